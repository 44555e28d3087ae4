// Package plan turns a client operation over a supergraph's API schema into
// a query plan: a tree of subgraph fetches (Sequence, Parallel, Fetch) and
// the response shape the executor uses to assemble the client's answer.
//
// Planning is pure and deterministic: the same supergraph and operation
// produce the same plan however the supergraph orders its subgraphs, types
// and fields. Field ownership follows the join metadata: a field is fetched
// from the subgraph producing its parent object whenever that subgraph can
// resolve it (directly, as a key, or through @provides); otherwise the
// planner jumps to an owning subgraph with an _entities fetch keyed by a
// resolvable @key, fetching @requires fields first: a requirement is planned
// (through further fetches where needed) before the fetch that carries it
// is chosen, and an existing fetch is shared only when that makes no
// cycle of dependencies and its representations can carry the
// requirement (a required field with arguments other than the client's,
// or than another requirement's, is fetched under a private alias and
// sent under its own name, each argument set in its own fetch).
// Requirements may name @inaccessible fields (the supergraph's own
// definition is used), inline fragments on abstract types (the
// representation is the field set's result), and fields of an
// @interfaceObject (the requirement is fetched for the concrete type and
// sent with the interface's name as __typename). A field of a value type
// that the current subgraph does not resolve is fetched through the
// nearest entity above it, or, under a query's root field that another
// subgraph resolves too (@shareable), by asking that subgraph for the same
// root field: the answers merge into the same objects. Which jump is taken is
// decided by a shortest-path search over the query graph (search.go: the
// types-per-subgraph nodes of one response position, key jumps as edges
// whose conditions are the key's fields, costed in fetches), so chains of
// any length are planned; the search is bounded by Options.SearchBudget,
// and an operation that needs more, or a field no path reaches, is a
// planning Error, never a silent null. Entity fetches to the
// same subgraph that become ready at the same stage are merged into one
// _entities request, so a deeply nested operation needs one request per
// subgraph and stage.
package plan
