package devdb_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
)

func TestNewTestDBIsolated(t *testing.T) {
	m := db.Migration{Schema: "devdbtest", Files: fstest.MapFS{
		"001_init.sql": {Data: []byte("create table devdbtest.item(id int primary key);")},
	}}
	a := devdb.NewTestDB(t, m)
	b := devdb.NewTestDB(t, m)
	ctx := context.Background()
	if _, err := a.Exec(ctx, "insert into devdbtest.item values (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "select count(*) from devdbtest.item").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("databases share rows: got %d rows in the second clone", n)
	}
	if err := a.QueryRow(ctx, "select count(*) from devdbtest.schema_version").Scan(&n); err != nil {
		t.Fatalf("tern version table missing: %v", err)
	}
}

func TestPostGISPackage(t *testing.T) {
	for bin, want := range map[string]string{
		"/usr/lib/postgresql/15/bin": "postgresql-15-postgis-3",
		"/usr/lib/postgresql/17/bin": "postgresql-17-postgis-3",
		"/usr/local/bin":             "postgresql-15-postgis-3",
	} {
		if got := devdb.PostGISPackage(bin); got != want {
			t.Errorf("%s: %s, want %s", bin, got, want)
		}
	}
}

// The throwaway cluster has PostGIS: devdb installs it with PostgreSQL.
func TestClusterHasPostGIS(t *testing.T) {
	m := db.Migration{Schema: "devdbgis", Files: fstest.MapFS{
		"001_init.sql": {Data: []byte("create extension if not exists postgis; create table devdbgis.p(g geography(Point, 4326));")},
	}}
	pool := devdb.NewTestDB(t, m)
	var d float64
	if err := pool.QueryRow(context.Background(),
		"select ST_Distance('SRID=4326;POINT(9.19 45.4642)'::geography, 'SRID=4326;POINT(9.19 45.4742)'::geography)").Scan(&d); err != nil {
		t.Fatal(err)
	}
	if d < 1100 || d > 1125 {
		t.Errorf("0.01° of latitude at Milan is %.1f m, want about 1112", d)
	}
}
