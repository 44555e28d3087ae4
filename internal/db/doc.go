// Package db is the Postgres plumbing of citizengraph.
//
// One database serves every subgraph; each subgraph owns the Postgres schema
// of its own name and never reads another's tables (references across
// subgraphs are federation entity keys). [Open] returns the pgx pool and
// [Migrate] applies embedded tern migrations per schema.
package db
