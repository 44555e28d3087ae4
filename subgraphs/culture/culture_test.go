package culture_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

var params = seedgen.Params{People: 2000, Seed: 1}

func seeded(t *testing.T) (*pgxpool.Pool, *culture.Service) {
	t.Helper()
	pool := devdb.NewTestDB(t, db.Migration{Schema: "culture", Files: culture.Migrations()})
	noErr(t, culture.Seed(context.Background(), pool, params))
	return pool, culture.NewService(culture.NewStore(pool))
}

// all walks every page of q.
func all(t *testing.T, svc *culture.Service, q culture.EventQuery) []culture.Event {
	t.Helper()
	q.First = 100
	var out []culture.Event
	for {
		p, err := svc.Events(context.Background(), q)
		noErr(t, err)
		out = append(out, p.Events...)
		if !p.HasNext {
			return out
		}
		q.After = p.Cursors[len(p.Cursors)-1]
	}
}

func TestSeedIsDeterministicAndIdempotent(t *testing.T) {
	pool, svc := seeded(t)
	ctx := context.Background()
	first := all(t, svc, culture.EventQuery{})
	noErr(t, culture.Seed(ctx, pool, params))
	again := all(t, svc, culture.EventQuery{})
	eq(t, 500, len(first), "People/4 events")
	eq(t, first, again, "same data set")
	var venues, future, withVenue, inMilano int
	noErr(t, pool.QueryRow(ctx, `select count(*) from culture.venue`).Scan(&venues))
	noErr(t, pool.QueryRow(ctx, `select count(*) filter (where starts_at > '2026-11-23'), count(venue_id),
		count(*) filter (where comune = '015146') from culture.event`).Scan(&future, &withVenue, &inMilano))
	eq(t, 232, venues)
	eq(t, true, future > 20 && future < 100, "some future events")
	eq(t, true, withVenue > 300, "most events in venues")
	eq(t, withVenue, inMilano, "venue events are exactly Milan's events")

	noErr(t, culture.Seed(ctx, pool, seedgen.Params{People: 10, Seed: 1}))
	eq(t, 200, len(all(t, svc, culture.EventQuery{})), "at least 200 events")
}

func TestEventFilters(t *testing.T) {
	_, svc := seeded(t)
	everything := all(t, svc, culture.EventQuery{})
	for i := 1; i < len(everything); i++ {
		a, b := everything[i-1], everything[i]
		if b.StartsAt.Before(a.StartsAt) || b.StartsAt.Equal(a.StartsAt) && b.ID <= a.ID {
			t.Fatalf("events %d, %d out of order", i-1, i)
		}
	}
	count := func(pred func(culture.Event) bool) int {
		n := 0
		for _, e := range everything {
			if pred(e) {
				n++
			}
		}
		return n
	}
	from := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	zona1 := 1
	cases := []struct {
		name string
		q    culture.EventQuery
		pred func(culture.Event) bool
	}{
		{"comune", culture.EventQuery{Comune: "015146"}, func(e culture.Event) bool { return e.Comune == "015146" }},
		{"zona", culture.EventQuery{Zona: "1"}, func(e culture.Event) bool { return e.ZonaID != nil && *e.ZonaID == zona1 }},
		{"category subtree", culture.EventQuery{Category: "1.2"}, func(e culture.Event) bool { return strings.HasPrefix(e.Category, "1.2.") }},
		{"category leaf", culture.EventQuery{Category: "1.1.2"}, func(e culture.Event) bool { return e.Category == "1.1.2" }},
		{"range", culture.EventQuery{From: &from, To: &to}, func(e culture.Event) bool { return !e.EndsAt.Before(from) && e.StartsAt.Before(to) }},
		{"text", culture.EventQuery{Text: "navigli"}, func(e culture.Event) bool { return strings.Contains(strings.ToLower(e.Title+e.Description), "navigli") }},
		{"venue", culture.EventQuery{Venue: "1"}, func(e culture.Event) bool { return e.VenueID != nil && *e.VenueID == 1 }},
		{"combined", culture.EventQuery{Zona: "0", Category: "1.1", From: &from}, func(e culture.Event) bool {
			return e.Comune == "015146" && strings.HasPrefix(e.Category, "1.1.") && !e.EndsAt.Before(from)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := count(c.pred)
			if want == 0 {
				t.Fatal("the case selects nothing: the data set cannot check it")
			}
			got := all(t, svc, c.q)
			eq(t, want, len(got), "matches")
			for _, e := range got {
				if !c.pred(e) {
					t.Errorf("event %s does not match", e.ID)
				}
			}
			c.q.First, c.q.WithTotal = 1, true
			p, err := svc.Events(context.Background(), c.q)
			noErr(t, err)
			eq(t, want, p.Total, "total")
		})
	}
	for name, q := range map[string]culture.EventQuery{
		"first":    {First: 0},
		"comune":   {First: 10, Comune: "MI"},
		"zona":     {First: 10, Zona: "x"},
		"category": {First: 10, Category: "9.9"},
		"cursor":   {First: 10, After: "nope"},
		"range":    {First: 10, From: &to, To: &from},
	} {
		_, err := svc.Events(context.Background(), q)
		isKind(t, apperr.Invalid, err, name)
	}
}

func TestComuneEventsAndVenues(t *testing.T) {
	_, svc := seeded(t)
	ctx := svc.WithLoaders(context.Background(), 0)
	everything := all(t, svc, culture.EventQuery{})
	byComune := map[string]int{}
	for _, e := range everything {
		byComune[e.Comune]++
	}
	for _, c := range []string{"015146", "015009", "015002"} {
		p, err := svc.ComuneEvents(ctx, c, nil, nil, 5, "", true)
		noErr(t, err)
		eq(t, byComune[c], p.Total, c)
		eq(t, min(5, byComune[c]), len(p.Events), c)
		for _, e := range p.Events {
			eq(t, c, e.Comune)
		}
	}
	vs, err := svc.VenuesOfComune(ctx, "015146")
	noErr(t, err)
	eq(t, 232, len(vs))
	vs, err = svc.VenuesOfComune(ctx, "015009")
	noErr(t, err)
	eq(t, 0, len(vs))

	v, err := svc.Venue(ctx, "1")
	noErr(t, err)
	eq(t, "NIGUARDA", v.Name)
	eq(t, "Biblioteca", v.PlaceType.Name)
	_, err = svc.Venue(ctx, "999")
	isKind(t, apperr.NotFound, err)

	p, err := svc.Venues(ctx, culture.VenueQuery{Kind: "ARCHIVI", First: 100, WithTotal: true})
	noErr(t, err)
	eq(t, 9, p.Total)
	for _, v := range p.Venues {
		eq(t, "Archivio", v.PlaceType.Name, v.Name)
	}
}
