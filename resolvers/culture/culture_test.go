package culture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	resolvers "github.com/citizengraph/citizengraph/resolvers/culture"
	"github.com/citizengraph/citizengraph/schema"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

var migration = db.Migration{Schema: "culture", Files: culture.Migrations()}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// server seeds pool and serves the culture subgraph over real HTTP.
// countingWait is the loader window of the tests that count SQL queries:
// long enough that a saturated machine still gathers every sibling
// resolver into one batch, so the counts are exact.
const countingWait = 100 * time.Millisecond

func server(t testing.TB, pool *pgxpool.Pool, loaderWait time.Duration) string {
	t.Helper()
	if err := culture.Seed(context.Background(), pool, seedgen.Params{People: 2000, Seed: 1}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	srv := httptest.NewServer(resolvers.NewHandler(pool, gqlserver.Options{LoaderWait: loaderWait}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func post(t testing.TB, url, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer res.Body.Close()
	var out response
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

// ok posts query, fails on any error and decodes data into v.
func ok(t testing.TB, url, query string, vars map[string]any, v any) {
	t.Helper()
	r := post(t, url, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("data: %v", err)
	}
}

func code(e gqlError) string { s, _ := e.Extensions["code"].(string); return s }

func eq[T any](t *testing.T, want, got T, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: want %#v, got %#v", fmt.Sprint(msg...), want, got)
	}
}

type eventNode struct {
	ID, Title, Description, StartsAt string
	Category                         struct {
		Code   string
		Parent *struct{ Code string }
	}
	Venue *struct {
		ID, Name string
		Comune   struct{ IstatCode string }
	}
	Comune     struct{ IstatCode string }
	Free       bool
	PriceCents *int
}

type eventConn struct {
	Edges []struct {
		Cursor string
		Node   eventNode
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
	TotalCount int
}

const eventsQuery = `query($f: EventFilter, $first: Int, $after: String) {
  events(filter: $f, first: $first, after: $after) {
    edges { cursor node { id title description startsAt category { code parent { code } } venue { id name comune { istatCode } }
      comune { istatCode } free priceCents } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`

// walk returns every event matching filter, page by page, checking the order.
func walk(t *testing.T, url string, filter map[string]any) ([]eventNode, int) {
	t.Helper()
	var out []eventNode
	var after any
	total := -1
	for {
		var d struct{ Events eventConn }
		ok(t, url, eventsQuery, map[string]any{"f": filter, "first": 100, "after": after}, &d)
		if total >= 0 {
			eq(t, total, d.Events.TotalCount, "totalCount stable across pages")
		}
		total = d.Events.TotalCount
		for _, e := range d.Events.Edges {
			if n := len(out); n > 0 {
				prev := out[n-1]
				if e.Node.StartsAt < prev.StartsAt || e.Node.StartsAt == prev.StartsAt && e.Node.ID <= prev.ID {
					t.Fatalf("%s after %s: not in (startsAt, id) order", e.Node.ID, prev.ID)
				}
			}
			out = append(out, e.Node)
		}
		if !d.Events.PageInfo.HasNextPage {
			return out, total
		}
		after = *d.Events.PageInfo.EndCursor
	}
}

func TestEventsFilters(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	all, total := walk(t, url, nil)
	eq(t, 500, total)
	eq(t, 500, len(all))
	seen := map[string]bool{}
	for _, e := range all {
		if seen[e.ID] {
			t.Fatalf("duplicate %s", e.ID)
		}
		seen[e.ID] = true
		eq(t, e.Free, e.PriceCents == nil, "free iff no price")
		if e.Venue != nil {
			eq(t, "015146", e.Comune.IstatCode, "venues are in Milano")
			eq(t, e.Comune.IstatCode, e.Venue.Comune.IstatCode)
		}
		if e.Category.Parent == nil {
			t.Errorf("category %s has no parent", e.Category.Code)
		}
	}

	milano, n := walk(t, url, map[string]any{"comune": "015146"})
	eq(t, n, len(milano))
	zona0, _ := walk(t, url, map[string]any{"zona": "0"})
	eq(t, milano, zona0, "zona 0 is Milano alone")
	adda, _ := walk(t, url, map[string]any{"zona": "1"})
	if len(adda) == 0 {
		t.Fatal("no events in Adda Martesana")
	}
	for _, e := range adda {
		eq(t, true, e.Venue == nil && e.Comune.IstatCode != "015146", "Adda Martesana events are outside Milano")
	}
	magentino, _ := walk(t, url, map[string]any{"zona": "3"})
	eq(t, 0, len(magentino), "no comune is known to be in Magentino e Abbiatense")

	exhibitions, _ := walk(t, url, map[string]any{"category": "1.1.2"})
	arts, _ := walk(t, url, map[string]any{"category": "1.1"})
	if len(exhibitions) == 0 || len(arts) <= len(exhibitions) {
		t.Errorf("category subtree: %d exhibitions, %d arts events", len(exhibitions), len(arts))
	}
	for _, e := range arts {
		eq(t, "1.1", e.Category.Parent.Code, e.Category.Code)
	}

	from, to := "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"
	jan, _ := walk(t, url, map[string]any{"from": from, "to": to})
	if len(jan) == 0 {
		t.Fatal("no events in January 2025")
	}
	for _, e := range jan {
		if e.StartsAt >= to {
			t.Errorf("%s starts at %s, after the range", e.ID, e.StartsAt)
		}
	}
	future, _ := walk(t, url, map[string]any{"from": "2026-11-24T00:00:00Z"})
	if len(future) == 0 {
		t.Error("no upcoming events")
	}

	navigli, _ := walk(t, url, map[string]any{"text": "NAVIGLI"})
	if len(navigli) == 0 {
		t.Fatal("text search found nothing")
	}
	for _, e := range navigli {
		// Italian stemming: "navigli" also finds "Naviglio" (e.g. in a venue's address).
		eq(t, true, strings.Contains(strings.ToLower(e.Title+" "+e.Description), "navigl"), e.Title)
	}

	for name, f := range map[string]map[string]any{
		"comune": {"comune": "Milano"}, "zona": {"zona": "-1"}, "category": {"category": "42"},
		"range": {"from": to, "to": from},
	} {
		r := post(t, url, eventsQuery, map[string]any{"f": f})
		if len(r.Errors) != 1 || code(r.Errors[0]) != "BAD_USER_INPUT" {
			t.Errorf("%s: want BAD_USER_INPUT, got %+v", name, r.Errors)
		}
	}
	r := post(t, url, eventsQuery, map[string]any{"after": "!!"})
	if len(r.Errors) != 1 || code(r.Errors[0]) != "BAD_USER_INPUT" {
		t.Errorf("bad cursor: want BAD_USER_INPUT, got %+v", r.Errors)
	}
}

func TestComuneExtensionIsBatched(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration)
	url := server(t, pool, countingWait)
	all, _ := walk(t, url, nil)
	perComune := map[string]int{}
	for _, e := range all {
		perComune[e.Comune.IstatCode]++
	}
	reps := []map[string]any{}
	for _, c := range []string{"015146", "015009", "015002", "015007", "015014", "015146"} {
		reps = append(reps, map[string]any{"__typename": "Comune", "istatCode": c})
	}
	qc.Reset()
	var d struct {
		Entities []struct {
			IstatCode string
			Events    struct {
				TotalCount int
				Nodes      []struct{ Comune struct{ IstatCode string } }
			}
			Venues []struct{ ID string }
		} `json:"_entities"`
	}
	ok(t, url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Comune { istatCode
	  events(first: 3) { totalCount nodes { comune { istatCode } } } venues { id } } } }`, map[string]any{"r": reps}, &d)
	eq(t, 2, qc.Count(), fmt.Sprintf("one query for events, one for venues: %q", qc.Queries()))
	eq(t, len(reps), len(d.Entities))
	for i, e := range d.Entities {
		eq(t, reps[i]["istatCode"], any(e.IstatCode), "order")
		eq(t, perComune[e.IstatCode], e.Events.TotalCount, e.IstatCode)
		eq(t, min(3, perComune[e.IstatCode]), len(e.Events.Nodes), e.IstatCode)
		for _, n := range e.Events.Nodes {
			eq(t, e.IstatCode, n.Comune.IstatCode)
		}
		want := 0
		if e.IstatCode == "015146" {
			want = 232
		}
		eq(t, want, len(e.Venues), e.IstatCode+" venues")
	}
}

func TestVenues(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var d struct {
		Venue struct {
			Name, Kind, Subtype string
			PlaceType           struct{ Code, Name string }
			Nil                 struct{ ID string }
			Comune              struct{ IstatCode string }
			Accessible          *bool
			Location            struct{ Lat, Lon float64 }
		}
		Venues struct {
			TotalCount int
			Nodes      []struct{ Name string }
		}
	}
	ok(t, url, `{ venue(id: "1") { name kind subtype placeType { code name } nil { id } comune { istatCode } accessible location { lat lon } }
	  venues(filter: { nil: "14" }, first: 100) { totalCount nodes { name } } }`, nil, &d)
	v := d.Venue
	eq(t, "NIGUARDA", v.Name)
	eq(t, "BIBLIOTECHE DI QUARTIERE", v.Subtype)
	eq(t, "D.4", v.PlaceType.Code)
	eq(t, "14", v.Nil.ID)
	eq(t, "015146", v.Comune.IstatCode)
	eq(t, true, v.Accessible != nil && *v.Accessible)
	eq(t, d.Venues.TotalCount, len(d.Venues.Nodes))
	found := false
	for _, n := range d.Venues.Nodes {
		found = found || n.Name == "NIGUARDA"
	}
	eq(t, true, found, "NIGUARDA is in NIL 14")

	r := post(t, url, `{ venue(id: "9999") { name } }`, nil)
	if len(r.Errors) != 1 || code(r.Errors[0]) != "NOT_FOUND" {
		t.Errorf("want NOT_FOUND, got %+v", r.Errors)
	}
}

func TestServiceSDL(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var d struct {
		Service struct{ SDL string } `json:"_service"`
	}
	ok(t, url, `{ _service { sdl } }`, nil, &d)
	want, err := schema.Subgraph("culture")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, want, d.Service.SDL)
}

const entitiesQuery = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Event { id title startsAt }
    ... on Venue { id name }
  }
}`

// representations alternates events and venues; missing ones at every
// missingEvery-th place when missingEvery > 0.
func representations(t testing.TB, pool *pgxpool.Pool, n, missingEvery int) []map[string]any {
	t.Helper()
	rows, err := pool.Query(context.Background(), `select id from culture.event order by id desc limit $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	reps := make([]map[string]any, n)
	for i := range reps {
		switch {
		case missingEvery > 0 && i%missingEvery == missingEvery-1 && i%2 == 0:
			reps[i] = map[string]any{"__typename": "Event", "id": "00000000-0000-0000-0000-000000000000"}
		case missingEvery > 0 && i%missingEvery == missingEvery-1:
			reps[i] = map[string]any{"__typename": "Venue", "id": "4242"}
		case i%2 == 0:
			reps[i] = map[string]any{"__typename": "Event", "id": ids[i]}
		default:
			reps[i] = map[string]any{"__typename": "Venue", "id": fmt.Sprint(232 - i)}
		}
	}
	return reps
}

func TestEntitiesOneQueryPerTypeInRequestOrder(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration)
	url := server(t, pool, countingWait)
	reps := representations(t, pool, 100, 25)
	qc.Reset()
	r := post(t, url, entitiesQuery, map[string]any{"r": reps})
	eq(t, 2, qc.Count(), fmt.Sprintf("SQL queries: %q", qc.Queries()))
	var d struct {
		Entities []*struct {
			Typename string `json:"__typename"`
			ID       string
		} `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	eq(t, 100, len(d.Entities))
	missing := map[int]bool{}
	for i, rep := range reps {
		e := d.Entities[i]
		if rep["id"] == "4242" || rep["id"] == "00000000-0000-0000-0000-000000000000" {
			missing[i] = true
			eq(t, true, e == nil, fmt.Sprint("entity ", i, " is null"))
			continue
		}
		if e == nil {
			t.Fatalf("entity %d is null", i)
		}
		eq(t, rep["__typename"], any(e.Typename), fmt.Sprint("typename ", i))
		eq(t, rep["id"], any(e.ID), fmt.Sprint("order ", i))
	}
	eq(t, 4, len(missing))
	eq(t, 4, len(r.Errors), "one error per missing key")
	for _, e := range r.Errors {
		eq(t, "NOT_FOUND", code(e))
		if len(e.Path) != 2 || e.Path[0] != "_entities" {
			t.Errorf("error path %v", e.Path)
			continue
		}
		eq(t, true, missing[int(e.Path[1].(float64))], fmt.Sprint("error at a missing index ", e.Path))
	}
}

func BenchmarkEntities100(b *testing.B) {
	pool := devdb.NewTestDB(b, migration)
	url := server(b, pool, 0)
	body, _ := json.Marshal(map[string]any{"query": entitiesQuery, "variables": map[string]any{"r": representations(b, pool, 100, 0)}})
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var r response
		if err := json.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			b.Fatalf("%v %+v", err, r.Errors)
		}
		res.Body.Close()
	}
}
