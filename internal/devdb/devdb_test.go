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
