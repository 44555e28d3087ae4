package culture

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// people100k is the data set of 100,000 people: 25,000 events.
var people100k = seedgen.Params{People: 100_000, Seed: 1}

func seeded100k(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool := devdb.NewTestDB(tb, db.Migration{Schema: "culture", Files: Migrations()})
	ctx := context.Background()
	if err := Seed(ctx, pool, people100k); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "analyze culture.event; analyze culture.venue"); err != nil {
		tb.Fatal(err)
	}
	return pool
}

// duomo1km is the radius search of the benchmark: upcoming events within
// 1 km of Piazza del Duomo.
func duomo1km(now time.Time) NearQuery {
	r := 1000.0
	return NearQuery{Near: Near{Lat: 45.4642, Lon: 9.19, Radius: &r}, First: 20, Now: now}
}

func explain(tb testing.TB, pool *pgxpool.Pool, sql string, args ...any) string {
	tb.Helper()
	rows, err := pool.Query(context.Background(), "explain "+sql, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, l)
	}
	return strings.Join(plan, "\n")
}

// TestRadiusSearchUsesGiSTIndex: on 100,000 people's data (25,000 events)
// the radius search is answered through the GiST index on the events'
// locations, not by a scan of every event.
func TestRadiusSearchUsesGiSTIndex(t *testing.T) {
	pool := seeded100k(t)
	svc := NewService(NewStore(pool))
	f, err := svc.nearFilter("test", duomo1km(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)), true)
	if err != nil {
		t.Fatal(err)
	}
	sql, args := f.eventsNearSQL(21)
	plan := explain(t, pool, sql, args...)
	t.Logf("EXPLAIN of the radius search:\n%s", plan)
	if !strings.Contains(plan, "event_geog") {
		t.Fatalf("the radius search does not use the GiST index event_geog:\n%s", plan)
	}
	vf, err := svc.nearFilter("test", duomo1km(time.Time{}), false)
	if err != nil {
		t.Fatal(err)
	}
	w := vf.venueWhere()
	vplan := explain(t, pool, "select v.id from culture.venue v where "+w.sql(), w.args...)
	t.Logf("EXPLAIN of the venue radius search:\n%s", vplan)
}

// BenchmarkRadiusSearch100k: upcoming events within 1 km of the Duomo, 20
// per page, on 100,000 people's data, through the GiST index and — the
// reference, same run — with index scans turned off (every event's
// distance computed).
func BenchmarkRadiusSearch100k(b *testing.B) {
	pool := seeded100k(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		settings string
	}{
		{"gist", ""},
		{"no-index", "set enable_indexscan = off; set enable_bitmapscan = off"},
	} {
		b.Run(c.name, func(b *testing.B) {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Release()
			if c.settings != "" {
				if _, err := conn.Exec(ctx, c.settings); err != nil {
					b.Fatal(err)
				}
				defer conn.Exec(ctx, "reset enable_indexscan; reset enable_bitmapscan") //nolint:errcheck
			}
			svc := NewService(NewStore(conn))
			b.ReportAllocs()
			for b.Loop() {
				p, err := svc.EventsNear(ctx, duomo1km(now))
				if err != nil || len(p.Items) == 0 {
					b.Fatal(err, len(p.Items))
				}
			}
		})
	}
}
