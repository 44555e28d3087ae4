// Package compose merges federation subgraph schemas into a supergraph schema in
// Apollo's join v0.5 format, the input of the gateway's query planner.
//
// Compose accepts Federation v1 subgraphs (no @link; `extend type` with @key is an
// entity extension and every field is implicitly shareable) and Federation v2
// subgraphs (`@link(url: "https://specs.apollo.dev/federation/v2.x", import: [...])`,
// including renamed imports and namespaced `@federation__key` directives). It
// strips the federation plumbing each subgraph serves (`_Service`, `_Entity`,
// `_Any`, `_service`, `_entities`, `FieldSet`, `link__*`), validates every
// subgraph, merges the types following Apollo's composition rules (output field
// types take the least restrictive type, input types and arguments the most
// restrictive; input objects keep the intersection of their fields; output enums
// the union of their values, input enums the intersection, enums used both ways
// must be identical), and records who resolves what with @join__type,
// @join__field, @join__implements, @join__unionMember and @join__enumValue.
//
// The merged supergraph is then checked for satisfiability as Apollo's
// composition checks it (satisfy.go): every path a query can take from a root
// field is followed with the set of subgraphs that can be answering there
// (widened by @key jumps and @interfaceObject, narrowed to the subgraphs that
// resolve each field taken, so that a value type's fields are looked up in the
// subgraphs the nearest entity above it can jump to and that resolve the whole
// path from it); a field no subgraph of the set resolves (with its @requires
// collectable, @external only where a @provides on the path gives it) is a
// SATISFIABILITY_ERROR naming the smallest query that reaches it and, per
// subgraph, why it cannot be answered, as Apollo words it.
//
// Failures are reported as one *Error listing every Problem found, each with an
// Apollo error code (INVALID_FIELD_SHARING, KEY_INVALID_FIELDS,
// SATISFIABILITY_ERROR, ...), the subgraphs involved and the schema coordinate.
//
// The output is deterministic: the same subgraphs in any order yield the same
// bytes. Subgraphs are processed in name order, types are printed sorted by name
// and fields in order of first declaration.
package compose
