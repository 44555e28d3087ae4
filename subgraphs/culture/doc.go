// Package culture is the domain of the culture subgraph: cultural venues
// and public events.
//
// Venues are real: Milan's 232 libraries and archives (Comune di Milano,
// dataset ds41, CC BY 4.0), typed with the OntoPiA vocabulary of places of
// cultural interest. Events are generated deterministically by [Seed] from
// the shared seed plan and classified with the national vocabulary of
// public-event types; most take place in Milan's venues, the others in the
// other comuni of the metropolitan city, without a venue.
//
// Culture never reads the territory schema. Each event stores the ISTAT code
// of its comune and, denormalized at seed time, the id of that comune's zona
// omogenea, derived from the same open data territory loads
// (opendata.ZonaMembers); events of comuni the sources assign to no zona have
// none, so they never match a zona filter.
//
// The package has no GraphQL dependency: resolvers/culture adapts it.
package culture
