// Package gateway is citizengraph's federation gateway: the edge in front of
// any Apollo Federation v2 subgraphs. A Gateway loads a supergraph
// (package supergraph), plans each operation (package plan, plans cached in
// an LRU keyed by the operation and filled through singleflight), executes
// the plan against the subgraphs (package execute) and answers
// introspection itself from the API schema.
//
// *Gateway implements gqlgen's graphql.ExecutableSchema, so gqlgen's
// handler provides the transports (POST, GET), parsing, validation against
// the API schema, the parsed-query cache and automatic persisted queries.
// Depth, alias and cost limits reject expensive operations with a clear
// error and an extensions.code.
//
// The supergraph's @authenticated and @requiresScopes are honoured against
// the caller an Options.Authorizer names (authorize.go): fields the caller
// may not see are never fetched and answer null with
// UNAUTHORIZED_FIELD_OR_TYPE; Options.TrustSubgraphs leaves them to the
// subgraphs.
//
// With Options.DedupInbound, identical queries in flight at once share one
// execution (inbound.go): the key holds the normalized operation, the
// variables, every forwarded header and the caller, so different callers
// never share an answer; the shared execution outlives any one caller and
// ends only when all have gone.
//
// Subscriptions over WebSockets are bounded per connection (wslimit.go): a
// token bucket on the client's messages (one past it closes the socket
// with 4429), the subscriptions open at once on it, and a subscribe under
// the id of an open subscription (4409). Every operation (and every event
// of a subscription) gets a request id, sent to the subgraphs as
// execute.RequestIDHeader, so that a subgraph can tell one client request's
// fetches from another's.
package gateway
