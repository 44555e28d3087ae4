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
// Every change is also published on the bus (events.go, internal/bus) in
// the same transaction: practice.status_changed, and practice.submitted with
// the fee of the service card (FeeTerms: taxonomy and days to pay). The
// practices consumer applies payments' events: a paid position confirms
// the payment (PAYMENT_PENDING → SUBMITTED, actor SYSTEM), an expired or
// invalidated one withdraws a practice still waiting for it.
//
// Applicants and authorization (authz.go): the applicant of a new practice
// is the caller, the person the identity subgraph's [Registry] knows under
// the token's fiscal code. The caller files for another person, or for an
// organization, only under a mandate the registry reports: a delegation
// covering the service (area PRACTICES), or the organization's legal
// representation; the history then records the actor on behalf of that
// party. A practice is visible to its applicant, to those holding such a
// mandate for its applicant (or organization) and service, to operators of
// its comune and to admins; anyone else gets NOT_FOUND, as for an unknown
// id. The registry is asked at each decision, never across operations, so
// a revoked delegation stops at once, live streams included
// (WatchPractice re-checks before each delivery, and a document's
// download link, which carries its subject sealed, re-checks before each
// download: links.go). Third-party tokens need
// practices:read or practices:write. Operators' fiscal codes in the
// history are shown only to operators of the comune and admins.
//
// WatchPractice (the practiceStatusChanged subscription) replays the outbox
// after a cursor and then follows the notifications through one shared
// LISTEN connection that runs only while somebody watches.
//
// A person's practices are read with their histories and the catalogue's
// version (practices.catalogue_version, bumped by a trigger on every
// statement that changes practices.service) in one statement; their
// service cards then come from the catalogue held in memory at that
// version, read again when the version differs (catalogue_cache.go).
//
// Seed loads the catalogue (catalogue.go, stable ids derived from slugs)
// and the practices planned by seedgen, walking each through the same
// transition table with ApplyEdge. Into empty tables it builds secondary
// indexes and foreign keys after the COPY, which keeps 100,000 people
// (about 175,000 practices and 910,000 history rows) around ten seconds.
//
// The package has no GraphQL imports; resolvers/practices adapts it.
package practices
