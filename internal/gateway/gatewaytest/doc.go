// Package gatewaytest is the gateway's end-to-end conformance harness.
//
// Start runs the six test subgraphs of package subgraphs on httptest servers
// and the gateway in front of them, over a supergraph composed either by our
// compose package or by Apollo's composition (testdata/supergraph.apollo.graphqls).
// The table test runs every testdata/queries/<case>.graphql (with optional
// <case>.vars.json) through both and compares the response with the golden
// <case>.json.
//
// Goldens are recorded from Apollo Gateway, the reference implementation, by
// oracle/record.mjs (see oracle/README.md) and reviewed by hand; a case whose
// file carries a "# manual:" header has a hand-written golden, with the
// reason (a spec point where Apollo deviates, or a behaviour the gateway's
// contract defines differently) in that header. go test -run TestQueries
// -update rewrites the non-manual goldens from OUR gateway instead; use it
// only deliberately, and review the diff.
//
// Comparison (see Compare): data must be equal, including the order of
// response keys; errors are matched as a multiset on the parts the golden
// states: path, extensions.code and extensions.serviceName (messages are
// free text and are not compared). A case whose file carries a
// "# unordered-lists" header compares lists regardless of order. A case
// whose file carries a "# fetches: reviews=1 products=0" header also checks
// how many requests those subgraphs received (the plan's choice of
// subgraphs).
package gatewaytest
