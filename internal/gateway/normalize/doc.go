// Package normalize turns a validated client operation into the canonical
// form the query planner works on, following the GraphQL spec's
// CollectFields (§6.3.2):
//
//   - named fragments are inlined where they are spread;
//   - @skip and @include are evaluated — literal ones and variable ones,
//     with the request's coerced variable values — and removed: the
//     planner never sees, and never forwards, a condition directive;
//   - inline fragments whose type condition always applies (none, the
//     parent type itself, or an abstract type containing an object parent)
//     are flattened into their parent; fragments that can never apply are
//     dropped; the rest keep their place (the response key order of each
//     concrete type follows CollectFields over them in order);
//   - fields are merged per response key, their selection sets merged
//     recursively, so the planner sees each response key once per
//     selection set.
//
// A composite field whose selection collects to nothing keeps an empty
// selection set: its value is `{}` (or null), and the planner asks the
// subgraph for __typename alone.
//
// The canonical form depends on the values of the variables used in
// @skip/@include; Result.Conditions lists them so that a plan can be cached
// per operation and per roll of those values. A null value for the
// non-null `if` argument (a nullable variable with a default, given an
// explicit null, which CoerceVariableValues keeps) is an error as in graphql-js: a request error at the root
// selection set, else a field error on the field whose selection holds it.
package normalize
