// Package subscribe opens the gateway's upstream subscriptions: the root
// field of a client's subscription is sent to the subgraph that owns it,
// and each event the subgraph pushes comes back as one subgraph response,
// on which the gateway runs the rest of the query plan (entity fetches to
// other subgraphs) before pushing the merged event to the client.
//
// The upstream protocol is GraphQL over Server-Sent Events in its
// distinct-connections mode (a POST with Accept: text/event-stream, events
// "next" and "complete"), which gqlgen and most federation subgraph servers
// speak. It is plain HTTP, so the same [Subscriber] contract is served over
// the network ([HTTP]) and, in a single process, straight into a
// subgraph's http.Handler ([InProcess]).
//
// Upstream subscriptions are not shared between clients: a subscription
// may replay history from a cursor when it starts (practiceStatusChanged
// does), so two clients with the same arguments can still need different
// events.
package subscribe
