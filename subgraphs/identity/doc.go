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
// fiscal code equal to the person's; a third-party app needs the group's
// read scope), administrators and operators of a comune the person has a
// practice with ([PracticeLinks]) may read, and messages also a delegate
// whose delegation covers them ([Service.CheckPersonalData]). Messages are
// marked read by their recipient or such a delegate; delegations are
// granted and revoked by the delegator person, or by the legal
// representative for an organization.
//
// [Mandates] is the subgraph's published authority over delegations and
// legal representation: whom a person may act for at an instant, in which
// areas (practices, payments, messages) and for which services. The
// practices and payments services consult it through interfaces of their
// own; it reads only identity's tables.
//
// [Notices] consumes practices' and payments' events from the bus and
// writes the messages they call for (notices.go): one per status change,
// notice to pay and reminder, to the person concerned and their delegates
// for messages, with the channels their preferences choose.
//
// The package has no GraphQL imports: resolvers/identity adapts it.
package identity
