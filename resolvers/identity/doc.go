// Package identity holds the GraphQL resolvers of the identity subgraph:
// thin adapters from the generated schema (graph/identity) to the domain
// service (subgraphs/identity).
//
// [NewHandler] is what the binary mounts at /subgraphs/identity. It installs
// per-operation dataloaders and a field middleware that answers null with
// UNAUTHENTICATED or FORBIDDEN for the personal fields of a Person the
// caller may not read, wherever the person appears (root fields, relations,
// _entities); the rule itself is identity.Service.CheckPersonalData.
package identity
