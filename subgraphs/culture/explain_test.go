package culture

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
	if testing.Verbose() {
		t.Logf("EXPLAIN ANALYZE:\n%s", explain(t, pool, "(analyze, buffers) "+sql, args...))
	}
	t.Logf("EXPLAIN of the radius search:\n%s", plan)
	if !strings.Contains(plan, "event_geog") {
		t.Fatalf("the radius search does not use the GiST index event_geog:\n%s", plan)
	}
	// pgx prepares its statements, and after five executions PostgreSQL may
	// keep a generic plan (parameters unknown): that plan must use the index
	// too.
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "set plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "reset plan_cache_mode") //nolint:errcheck
	if _, err := conn.Conn().Prepare(ctx, "radius", sql); err != nil {
		t.Fatal(err)
	}
	lit := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			lit[i] = "'" + v.UTC().Format(time.RFC3339Nano) + "'"
		default:
			lit[i] = fmt.Sprint(v)
		}
	}
	rows, err := conn.Query(ctx, "explain execute radius("+strings.Join(lit, ", ")+")")
	if err != nil {
		t.Fatal(err)
	}
	var generic []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		generic = append(generic, l)
	}
	rows.Close()
	t.Logf("generic plan:\n%s", strings.Join(generic, "\n"))
	if !strings.Contains(strings.Join(generic, "\n"), "event_geog") {
		t.Errorf("the generic plan of the radius search does not use the GiST index")
	}

	vf, err := svc.nearFilter("test", duomo1km(time.Time{}), false)
	if err != nil {
		t.Fatal(err)
	}
	w := vf.venueWhere()
	vplan := explain(t, pool, "select v.id from culture.venue v where "+w.sql(), w.args...)
	t.Logf("EXPLAIN of the venue radius search:\n%s", vplan)
}

// BenchmarkRadiusSearch100k: upcoming events within a radius, 20 per page,
// on 100,000 people's data — 1 km around the Duomo (the densest: a third of
// all events lie in its bounding box) and 500 m around Niguarda — through
// the GiST index and, the reference in the same run, with index scans off
// (every event's distance computed).
func BenchmarkRadiusSearch100k(b *testing.B) {
	pool := seeded100k(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	niguarda := duomo1km(now)
	niguarda.Near.Lat, niguarda.Near.Lon, *niguarda.Near.Radius = 45.5153, 9.1932, 500
	for _, where := range []struct {
		name string
		q    NearQuery
	}{{"duomo-1km", duomo1km(now)}, {"niguarda-500m", niguarda}} {
		for _, c := range []struct {
			name     string
			settings string
		}{
			{"gist", ""},
			{"no-index", "set enable_indexscan = off; set enable_bitmapscan = off"},
		} {
			b.Run(where.name+"/"+c.name, func(b *testing.B) {
				// A connection of its own: prepared statements (and their
				// cached plans) are not shared between the two cases.
				conn, err := pgx.Connect(ctx, pool.Config().ConnString())
				if err != nil {
					b.Fatal(err)
				}
				defer conn.Close(ctx)
				if c.settings != "" {
					if _, err := conn.Exec(ctx, c.settings); err != nil {
						b.Fatal(err)
					}
				}
				svc := NewService(NewStore(conn))
				f, err := svc.nearFilter("bench", where.q, true)
				if err != nil {
					b.Fatal(err)
				}
				sql, args := f.eventsNearSQL(where.q.First + 1)
				var top string
				if err := conn.QueryRow(ctx, "explain "+sql, args...).Scan(&top); err != nil {
					b.Fatal(err)
				}
				b.Logf("plan: %s", top)
				b.ReportAllocs()
				for b.Loop() {
					p, err := svc.EventsNear(ctx, where.q)
					if err != nil || len(p.Items) == 0 {
						b.Fatal(err, len(p.Items))
					}
				}
			})
		}
	}
}
