package territory_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

// A role that may not create the postgis extension (no superuser, as on many
// managed servers given by DATABASE_URL) gets a migration error that says
// what is missing, not PostgreSQL's bare "permission denied".
func TestMigrationSaysWhenPostGISCannotBeCreated(t *testing.T) {
	ctx := context.Background()
	server, err := devdb.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	role, dbName := "nogis_"+suffix, "nogis_"+suffix
	for _, sql := range []string{
		"create role " + role + " login nosuperuser",
		"create database " + dbName + " owner " + role,
	} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(context.Background(), server)
		if err != nil {
			return
		}
		defer admin.Close(context.Background())
		admin.Exec(context.Background(), "drop database if exists "+dbName+" with (force)") //nolint:errcheck
		admin.Exec(context.Background(), "drop role if exists "+role)                       //nolint:errcheck
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + dbName
	q := u.Query()
	q.Set("user", role)
	u.RawQuery = q.Encode()
	u.User = url.User(role)
	pool, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = db.Migrate(ctx, pool, db.Migration{Schema: "territory", Files: territory.Migrations()})
	if err == nil || !strings.Contains(err.Error(), "creating the postgis extension needs a superuser") {
		t.Fatalf("migrating without the right to create postgis: %v", err)
	}
}
