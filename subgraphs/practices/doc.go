// Package practices is the domain of the practices subgraph: the catalogue
// of service cards (Designers Italia "scheda servizio") a comune offers, and
// the practices (pratiche) citizens open on them, with their lifecycle,
// status history, documents and control-room statistics.
//
// The lifecycle is the explicit table in transitions.go; every status change
// is written, in one transaction, with its history row and an outbox row in
// practices.status_event followed by pg_notify('practice_status', <event
// id>), so live subscribers can replay from a cursor and lose nothing.
//
// Applicants: a practice stores the applicant's person id (the identity
// subgraph's key, supplied by the client in createPractice) together with
// the applicant's fiscal code, which is taken from the authenticated
// principal and never from input. Ownership checks compare fiscal codes, so
// a caller can only ever act on practices filed under their own fiscal code.
// The person id cannot be checked against identity's tables (no cross-schema
// SQL); it is checked for consistency with the caller's earlier practices.
//
// WatchPractice (the practiceStatusChanged subscription) replays the outbox
// after a cursor and then follows the notifications through one shared
// LISTEN connection that runs only while somebody watches.
//
// Seed loads the catalogue (catalogue.go, stable ids derived from slugs)
// and the practices planned by seedgen, walking each through the same
// transition table with ApplyEdge. Into empty tables it builds secondary
// indexes and foreign keys after the COPY, which keeps 100,000 people
// (about 175,000 practices and 910,000 history rows) around ten seconds.
//
// The package has no GraphQL imports; resolvers/practices adapts it.
package practices
