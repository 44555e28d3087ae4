// Package territory is the domain of the territory subgraph: the comuni of
// the Città metropolitana di Milano, its zone omogenee, and Milan's municipi
// and Nuclei di Identità Locale (NIL).
//
// The data are real open data (ISTAT, openpolis, Città metropolitana,
// Comune di Milano; see internal/opendata). [Seed] loads them into the
// Postgres schema "territory"; nothing here is generated. Two limits of the
// sources are kept visible instead of being papered over:
//
//   - 48 comuni have no known zona omogenea: their zona is NULL, never
//     guessed, and a zona is "complete" only when its known members are as
//     many as the Città metropolitana declares;
//   - PGT 2030 NIL are not nested in the municipi and no municipio boundary
//     is available, so the NIL → municipio link is the prevalent municipio
//     observed among reference points: approximate, and absent for 4 NIL.
//
// With [WithComuniInMemory] the comuni asked by _entities are answered from
// every comune held in memory while a listener follows the announcements
// of their changes (a trigger notifies territory_comune on every statement
// that changes territory.comune): the copy is dropped at each one, and the
// database is read whenever the listener is not connected.
//
// The package has no GraphQL dependency: resolvers/territory adapts it.
package territory
