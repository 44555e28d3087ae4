package identity

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Schema is the Postgres schema that holds every identity table.
const Schema = "identity"

// Migrations returns the tern migrations of the identity schema, rooted at
// the migrations directory.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
