package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// TestServePlaces runs `citizengraph serve` over a seeded database and asks
// the place questions through the gateway — where a point lies, events near
// it with their venue's NIL from the territory subgraph, boundaries — and
// fetches the iCalendar feed from the public listener.
func TestServePlaces(t *testing.T) {
	ctx := context.Background()
	dbURL := devdb.TestURL(t, migrations(registry())...)
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range registry() {
		if err := s.seed(ctx, pool, seedgen.Params{People: 400, Seed: 5}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	pool.Close()
	t.Setenv("DATABASE_URL", dbURL)
	addr, subgraphsAddr := freeAddr(t), freeAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runServe(sctx, []string{"--addr", addr, "--subgraphs-addr", subgraphsAddr}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)

	// Where the Duomo is, with the comune's events from the culture subgraph.
	res := post(t, base+"/graphql", "", `{ placeAt(latitude: 45.4642, longitude: 9.19) {
		comune { istatCode name events(first: 1) { totalCount } } nil { id name boundary } municipio { id name } } }`)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var at struct {
		PlaceAt struct {
			Comune struct {
				IstatCode, Name string
				Events          struct{ TotalCount int }
			}
			Nil struct {
				ID, Name string
				Boundary struct {
					Type        string
					Coordinates [][][][2]float64
				}
			}
			Municipio struct{ ID, Name string }
		}
	}
	if err := json.Unmarshal(res.Data, &at); err != nil {
		t.Fatalf("%v: %s", err, res.Data)
	}
	p := at.PlaceAt
	if p.Comune.IstatCode != "015146" || p.Comune.Name != "Milano" || p.Nil.Name != "DUOMO" || p.Municipio.ID != "1" {
		t.Errorf("Duomo placed in %+v", p)
	}
	if p.Comune.Events.TotalCount == 0 {
		t.Error("Milano has no events through the gateway")
	}
	if p.Nil.Boundary.Type != "MultiPolygon" || len(p.Nil.Boundary.Coordinates) == 0 || len(p.Nil.Boundary.Coordinates[0][0]) < 4 {
		t.Errorf("NIL boundary: %+v", p.Nil.Boundary)
	}

	res = post(t, base+"/graphql", "", `{ placeAt(latitude: 41.9028, longitude: 12.4964) { comune { name } } }`)
	if len(res.Errors) > 0 || string(res.Data) != `{"placeAt":null}` {
		t.Errorf("Rome: %s %+v", res.Data, res.Errors)
	}

	// Events by distance, each with its venue's NIL (a culture → territory hop).
	res = post(t, base+"/graphql", "", `{ eventsNear(near: {lat: 45.4642, lon: 9.19, radiusMeters: 3000}, includePast: true, first: 20) {
		totalCount edges { distanceMeters node { title location { lat lon } venue { name nil { name } } } } } }`)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var near struct {
		EventsNear struct {
			TotalCount int
			Edges      []struct {
				DistanceMeters float64
				Node           struct {
					Title string
					Venue *struct {
						Name string
						Nil  *struct{ Name string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(res.Data, &near); err != nil {
		t.Fatal(err)
	}
	if len(near.EventsNear.Edges) == 0 || near.EventsNear.TotalCount < len(near.EventsNear.Edges) {
		t.Fatalf("eventsNear: %s", res.Data)
	}
	for i, e := range near.EventsNear.Edges {
		if e.DistanceMeters > 3000 || i > 0 && e.DistanceMeters < near.EventsNear.Edges[i-1].DistanceMeters {
			t.Errorf("edge %d at %.0f m out of place", i, e.DistanceMeters)
		}
		if e.Node.Venue == nil || e.Node.Venue.Nil == nil || e.Node.Venue.Nil.Name == "" {
			t.Errorf("edge %d: venue or its NIL missing: %+v", i, e.Node)
		}
	}

	// Client mistakes are BAD_USER_INPUT through the gateway.
	for _, q := range []string{
		`{ placeAt(latitude: 95, longitude: 9) { comune { name } } }`,
		`{ venuesNear(near: {lat: 45.46, lon: 9.19}) { totalCount } }`,
		`{ eventsNear(near: {lat: 45.46, lon: 9.19, radiusMeters: 1e9}) { totalCount } }`,
	} {
		res := post(t, base+"/graphql", "", q)
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", q, res.Errors)
		}
	}
	// A scalar only the subgraph checks: its one coded error explains the
	// null of the non-null root field, with no codeless error beside it.
	for _, q := range []string{
		`{ events(filter: {from: "not a date"}) { nodes { title } } }`,
		`{ eventsNear(near: {lat: 45.46, lon: 9.19, radiusMeters: 1000}, from: "2026-13-45") { totalCount } }`,
	} {
		res := post(t, base+"/graphql", "", q)
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || string(res.Data) != "null" {
			t.Errorf("%s: want data null and one BAD_USER_INPUT error, got %s %+v", q, res.Data, res.Errors)
		}
	}

	// The calendar feed on the public listener.
	get := func(path string) (int, string, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	status, ctype, body := get("/calendar.ics?lat=45.4642&lon=9.19&radius=3000&past=true&limit=20")
	if status != http.StatusOK || ctype != "text/calendar; charset=utf-8" {
		t.Fatalf("calendar: %d %s %s", status, ctype, body)
	}
	if n := strings.Count(body, "BEGIN:VEVENT\r\n"); n != min(20, near.EventsNear.TotalCount) {
		t.Errorf("calendar has %d events, want %d", n, min(20, near.EventsNear.TotalCount))
	}
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Errorf("not an iCalendar object: %.200s", body)
	}
	first := near.EventsNear.Edges[0].Node.Title
	if unfolded := strings.ReplaceAll(body, "\r\n ", ""); !strings.Contains(unfolded, "SUMMARY:"+strings.NewReplacer(",", `\,`, ";", `\;`).Replace(first)) {
		t.Errorf("the nearest event %q is not in the feed", first)
	}
	for _, bad := range []string{"?lat=45", "?lat=x&lon=9", "?limit=1000", "?from=yesterday", "?comune=1"} {
		if status, _, body := get("/calendar.ics" + bad); status != http.StatusBadRequest || !strings.HasPrefix(body, "BAD_USER_INPUT: ") {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
	if status, _, _ := get("/calendar.ics?comune=015146"); status != http.StatusOK {
		t.Errorf("upcoming events of Milano: %d", status)
	}
}
