package practices

import (
	"embed"
	"io/fs"

	"github.com/citizengraph/citizengraph/internal/db"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Schema is the Postgres schema the subgraph owns.
const Schema = "practices"

// Migrations returns the tern migrations of the practices schema.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Migration is the db.Migration of the subgraph.
func Migration() db.Migration { return db.Migration{Schema: Schema, Files: Migrations()} }
