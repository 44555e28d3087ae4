// Package bus carries domain events between subgraphs: a producer
// publishes an event in the same transaction as the change it describes;
// each named consumer, in another subgraph, keeps its own position and
// applies every event exactly once.
//
// # The interface
//
// Producers call [Outbox.Publish] with their own transaction: the event is
// committed with the change or not at all. Consumers register a [Handler]
// with a [Consumer] (name, the subgraph schema it writes to, the producer it
// reads, the topics it wants) and run it with [Postgres.Run]. The handler
// gets a transaction on the consumer's own schema: its effect, the
// "applied" mark of the event id and the consumer's new position commit
// together, so an event is applied once or not at all, whatever crashes or
// restarts in between. A handler error rolls the batch back and the event is
// retried (with backoff); a [Permanent] error is recorded as applied with
// its reason, so one bad event cannot stop a consumer forever.
//
// # The Postgres implementation (the embedded default)
//
//   - Outbox: <producer schema>.outbox, one row per event (a UUID event id,
//     topic, key, JSON payload) with the producing transaction's id
//     (pg_current_xact_id()); pg_notify('bus_<producer schema>') wakes the
//     consumers at commit.
//   - Position: <consumer schema>.bus_position holds, per consumer, the id
//     of the last outbox row it is past. Ids are taken in one order and
//     committed in another, so a barrier keeps a late commit from being
//     skipped: publishers take a shared transaction-level advisory lock
//     (per producer) before their row takes its id, and hold it to commit;
//     a consumer takes it exclusively for an instant and reads the largest
//     id. Every row at or below it is then committed or rolled back, and
//     any later row gets a larger id, so the consumer reads up to it only.
//     (The wait is as long as the open publishing transactions; the
//     alternative, reading below the oldest running transaction id, would
//     make every consumer wait for any long transaction in the cluster.)
//   - One consumer wins: a batch runs inside one transaction that first
//     locks the consumer's position row with FOR UPDATE SKIP LOCKED; any
//     other process running the same consumer skips and waits for the next
//     wake-up. Any number of processes may run every consumer.
//   - Exactly once: <consumer schema>.bus_applied (consumer, event id) is
//     inserted in the same transaction as the effect; an event already
//     there is skipped (a second guard beside the position).
//   - Wake-ups: LISTEN on the producer's channel, with a polling fallback
//     (Options.Poll), so a lost notification or a dropped listener delays
//     an event but never loses it.
//   - Retention: [Postgres.Prune] deletes the outbox rows every consumer of
//     a producer is past (at or below the least of their positions) once
//     older than a retention age, in batches, and the applied marks older
//     than it (the position, committed with each mark, keeps an event from
//     being read again). It must be given every consumer of the deployment.
//
// Each statement touches one schema: the outbox read is a query on the
// producer's schema, the position, the applied marks and the effect are in
// the consumer's; no SQL joins across subgraphs.
//
// # NATS JetStream
//
// A JetStream implementation keeps this package's two interfaces and
// leaves the domain untouched: producers still write the outbox in their
// transaction (the only way to be atomic with the change), and a relay
// process publishes outbox rows to a stream (subject bus.<producer>.<topic>,
// Nats-Msg-Id = event id for JetStream's de-duplication window) and deletes
// or marks them. Each consumer becomes a durable pull consumer named like
// the [Consumer]; the handler still runs in a transaction on the consumer's
// schema that inserts the bus_applied mark (the de-duplication across
// redeliveries), and the message is acknowledged after commit. JetStream
// delivers each message to one member of the durable consumer's pullers,
// which replaces the SKIP LOCKED row. The handlers, the events and the
// tests stay the same.
package bus
