// Package identity is the domain of the identity subgraph: the people of
// the municipal registry, the organizations they legally represent, the
// delegations people and organizations give to act on their behalf, and the
// IO-style messages sent to people.
//
// Registry-sourced data (fiscal code, names, birth data, residence) is
// read-only and carries its provenance (source and verification time);
// contacts and notification preferences are edited by the citizen.
//
// Access to personal data: the public fields of a person are the id, the
// names and the organizations represented (business-registry data). Every
// other field is personal data that only the person themself (principal
// fiscal code equal to the person's), administrators and operators of the
// comune the person resides in may read ([Service.CheckPersonalData]).
// Messages are read and marked read by their recipient; delegations are
// granted and revoked by the delegator person, or by the legal
// representative for an organization.
//
// The package has no GraphQL imports: resolvers/identity adapts it.
package identity
