package territory_test

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
	resolvers "github.com/citizengraph/citizengraph/resolvers/territory"
	"github.com/citizengraph/citizengraph/schema"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

var migration = db.Migration{Schema: "territory", Files: territory.Migrations()}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// server seeds pool and serves the territory subgraph over real HTTP.
// countingWait is the loader window of the tests that count SQL queries:
// long enough that a saturated machine still gathers every sibling
// resolver into one batch, so the counts are exact.
const countingWait = 100 * time.Millisecond

func server(t testing.TB, pool *pgxpool.Pool, loaderWait time.Duration) string {
	t.Helper()
	if err := territory.Seed(context.Background(), pool, seedgen.Params{People: 10, Seed: 1}); err != nil {
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

type comuneConn struct {
	Comuni struct {
		Edges []struct {
			Cursor string
			Node   struct{ IstatCode, Name string }
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
		TotalCount int
	}
}

const comuniQuery = `query($first: Int, $after: String, $filter: ComuneFilter) {
  comuni(first: $first, after: $after, filter: $filter) {
    edges { cursor node { istatCode name } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}`

func TestComuniPaginationStableAndComplete(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	seen := map[string]bool{}
	var after any
	var lastName string
	for pages := 1; ; pages++ {
		var c comuneConn
		ok(t, url, comuniQuery, map[string]any{"first": 10, "after": after}, &c)
		eq(t, 133, c.Comuni.TotalCount, "totalCount")
		for _, e := range c.Comuni.Edges {
			if seen[e.Node.IstatCode] {
				t.Fatalf("duplicate %s on page %d", e.Node.IstatCode, pages)
			}
			seen[e.Node.IstatCode] = true
			if key := territory.Fold(e.Node.Name); key < lastName {
				t.Errorf("%q after %q: not ordered by name", key, lastName)
			} else {
				lastName = key
			}
		}
		if len(c.Comuni.Edges) > 0 {
			eq(t, c.Comuni.Edges[len(c.Comuni.Edges)-1].Cursor, *c.Comuni.PageInfo.EndCursor, "endCursor")
		}
		if !c.Comuni.PageInfo.HasNextPage {
			eq(t, 14, pages, "pages")
			break
		}
		after = *c.Comuni.PageInfo.EndCursor
	}
	eq(t, 133, len(seen), "comuni seen")

	// The same page twice is the same page.
	var a, b comuneConn
	ok(t, url, comuniQuery, map[string]any{"first": 7}, &a)
	ok(t, url, comuniQuery, map[string]any{"first": 7}, &b)
	eq(t, a, b, "repeatable")
}

func TestComuniFiltersAndErrors(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var c comuneConn
	ok(t, url, comuniQuery, map[string]any{"filter": map[string]any{"namePrefix": "séSTO"}}, &c)
	eq(t, 1, c.Comuni.TotalCount)
	eq(t, "Sesto San Giovanni", c.Comuni.Edges[0].Node.Name)

	ok(t, url, comuniQuery, map[string]any{"filter": map[string]any{"zona": "1"}, "first": 100}, &c)
	eq(t, 29, c.Comuni.TotalCount, "Adda Martesana")
	eq(t, 29, len(c.Comuni.Edges))

	ok(t, url, comuniQuery, map[string]any{"filter": map[string]any{"zona": "1", "namePrefix": "cologno"}}, &c)
	eq(t, 1, c.Comuni.TotalCount, "Cologno Monzese is in Adda Martesana")

	for name, vars := range map[string]map[string]any{
		"first 0":    {"first": 0},
		"first 101":  {"first": 101},
		"bad cursor": {"after": "%%%"},
		"bad zona":   {"filter": map[string]any{"zona": "one"}},
	} {
		r := post(t, url, comuniQuery, vars)
		if len(r.Errors) != 1 || code(r.Errors[0]) != "BAD_USER_INPUT" {
			t.Errorf("%s: want one BAD_USER_INPUT, got %+v", name, r.Errors)
		}
	}
	r := post(t, url, `{ comune(istatCode: "15146") { name } }`, nil)
	if len(r.Errors) != 1 || code(r.Errors[0]) != "BAD_USER_INPUT" {
		t.Errorf("short ISTAT code: want BAD_USER_INPUT, got %+v", r.Errors)
	}
	r = post(t, url, `{ comune(istatCode: "099999") { name } }`, nil)
	if len(r.Errors) != 1 || code(r.Errors[0]) != "NOT_FOUND" {
		t.Errorf("unknown ISTAT code: want NOT_FOUND, got %+v", r.Errors)
	}
}

func TestComuneAndZone(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var d struct {
		Milano struct {
			Name, CadastralCode, Province string
			Capital                       bool
			PostalCodes                   []string
			Population, Population2011    int
			Location                      struct{ Lat, Lon float64 }
			ZonaOmogenea                  *struct{ ID, Name string }
			Municipi                      []struct{ ID string }
		}
		Abbiategrasso struct {
			ZonaOmogenea *struct{ ID string }
			Municipi     []struct{ ID string }
		}
		ZoneOmogenee []struct {
			ID, Name            string
			DeclaredComuniCount int
			Complete            bool
			Comuni              []struct{ IstatCode string }
		}
	}
	ok(t, url, `{
	  milano: comune(istatCode: "015146") { name cadastralCode province capital postalCodes population population2011
	    location { lat lon } zonaOmogenea { id name } municipi { id } }
	  abbiategrasso: comune(istatCode: "015002") { zonaOmogenea { id } municipi { id } }
	  zoneOmogenee { id name declaredComuniCount complete comuni { istatCode } }
	}`, nil, &d)
	m := d.Milano
	eq(t, "Milano", m.Name)
	eq(t, "F205", m.CadastralCode)
	eq(t, true, m.Capital)
	eq(t, 42, len(m.PostalCodes))
	eq(t, true, m.Population > 1_000_000 && m.Population2011 > 1_000_000, "population")
	eq(t, true, m.Location.Lat > 45.4 && m.Location.Lat < 45.6 && m.Location.Lon > 9.0 && m.Location.Lon < 9.3, "centroid")
	eq(t, "Milano (capoluogo)", m.ZonaOmogenea.Name)
	eq(t, 9, len(m.Municipi))
	eq(t, true, d.Abbiategrasso.ZonaOmogenea == nil, "unassigned comune has no zona")
	eq(t, 0, len(d.Abbiategrasso.Municipi))

	eq(t, 8, len(d.ZoneOmogenee))
	got := map[string][2]int{}
	for _, z := range d.ZoneOmogenee {
		got[z.Name] = [2]int{len(z.Comuni), z.DeclaredComuniCount}
		eq(t, len(z.Comuni) == z.DeclaredComuniCount, z.Complete, z.Name+" complete")
	}
	eq(t, map[string][2]int{
		"Milano (capoluogo)": {1, 1}, "Adda Martesana": {29, 29}, "Alto Milanese": {22, 22},
		"Magentino e Abbiatense": {0, 29}, "Nord Milano": {6, 6}, "Nord Ovest": {12, 16},
		"Sud Est": {15, 15}, "Sud Ovest": {0, 16},
	}, got)
}

func TestMunicipiAndNil(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var d struct {
		Municipi []struct {
			ID, Name string
			Nil      []struct {
				ID        string
				Municipio *struct{ ID string }
			}
		}
		Nil []struct {
			ID, Name  string
			AreaKm2   float64
			Municipio *struct{ ID string }
		}
		Duomo struct{ Name string }
	}
	ok(t, url, `{
	  municipi { id name nil { id municipio { id } } }
	  nil { id name areaKm2 municipio { id } }
	  duomo: nilById(id: "1") { name }
	}`, nil, &d)
	eq(t, 9, len(d.Municipi))
	inMunicipi := 0
	for i, m := range d.Municipi {
		eq(t, fmt.Sprint(i+1), m.ID)
		eq(t, fmt.Sprintf("Municipio %d", i+1), m.Name)
		for _, n := range m.Nil {
			inMunicipi++
			eq(t, m.ID, n.Municipio.ID, "NIL "+n.ID+" points back")
		}
	}
	eq(t, 84, inMunicipi, "NIL with a prevalent municipio")
	eq(t, 88, len(d.Nil))
	area, unassigned := 0.0, 0
	for _, n := range d.Nil {
		area += n.AreaKm2
		if n.Municipio == nil {
			unassigned++
		}
	}
	eq(t, 4, unassigned)
	eq(t, true, area > 181 && area < 182.5, fmt.Sprint("total NIL area ", area))
	eq(t, "DUOMO", d.Duomo.Name)
}

func TestServiceSDL(t *testing.T) {
	url := server(t, devdb.NewTestDB(t, migration), 0)
	var d struct {
		Service struct{ SDL string } `json:"_service"`
	}
	ok(t, url, `{ _service { sdl } }`, nil, &d)
	want, err := schema.Subgraph("territory")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, want, d.Service.SDL)
}

const entitiesQuery = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Comune { istatCode name population }
    ... on ZonaOmogenea { id name declaredComuniCount }
  }
}`

// mixedRepresentations returns n representations alternating comuni (by
// descending ISTAT order) and zone, with a missing key at every missingEvery-th place.
func mixedRepresentations(n, missingEvery int) []map[string]any {
	comuni := []string{"015146", "015009", "015002", "015007", "015014", "015016", "015209", "015250", "015251", "015242"}
	reps := make([]map[string]any, n)
	for i := range reps {
		switch {
		case missingEvery > 0 && i%missingEvery == missingEvery-1 && i%2 == 0:
			reps[i] = map[string]any{"__typename": "Comune", "istatCode": "099999"}
		case missingEvery > 0 && i%missingEvery == missingEvery-1:
			reps[i] = map[string]any{"__typename": "ZonaOmogenea", "id": "42"}
		case i%3 == 0:
			reps[i] = map[string]any{"__typename": "ZonaOmogenea", "id": fmt.Sprint(7 - i%8)}
		default:
			reps[i] = map[string]any{"__typename": "Comune", "istatCode": comuni[i%len(comuni)]}
		}
	}
	return reps
}

func TestEntitiesOneQueryPerTypeInRequestOrder(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration)
	url := server(t, pool, countingWait)
	reps := mixedRepresentations(100, 25)
	qc.Reset()
	r := post(t, url, entitiesQuery, map[string]any{"r": reps})
	eq(t, 2, qc.Count(), fmt.Sprintf("SQL queries: %q", qc.Queries()))

	var d struct {
		Entities []*struct {
			Typename            string `json:"__typename"`
			IstatCode, ID, Name string
		} `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	eq(t, 100, len(d.Entities))
	missing := map[int]bool{}
	for i, rep := range reps {
		e := d.Entities[i]
		if rep["istatCode"] == "099999" || rep["id"] == "42" {
			missing[i] = true
			eq(t, true, e == nil, fmt.Sprint("entity ", i, " is null"))
			continue
		}
		if e == nil {
			t.Fatalf("entity %d is null", i)
		}
		eq(t, rep["__typename"], any(e.Typename), fmt.Sprint("typename ", i))
		if e.Typename == "Comune" {
			eq(t, rep["istatCode"], any(e.IstatCode), fmt.Sprint("order ", i))
		} else {
			eq(t, rep["id"], any(e.ID), fmt.Sprint("order ", i))
		}
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

func TestNestedFieldsAreBatched(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration)
	url := server(t, pool, countingWait)
	qc.Reset()
	var d struct {
		Comuni struct {
			Nodes []struct {
				ZonaOmogenea *struct {
					Name   string
					Comuni []struct{ IstatCode string }
				}
			}
		}
	}
	ok(t, url, `{ comuni(first: 100) { nodes { zonaOmogenea { name comuni { istatCode } } } } }`, nil, &d)
	eq(t, 100, len(d.Comuni.Nodes))
	// page, zona of the 100 comuni, members of their zone
	eq(t, 3, qc.Count(), fmt.Sprintf("SQL queries: %q", strings.Join(qc.Queries(), "\n")))
}

func BenchmarkEntities100(b *testing.B) {
	url := server(b, devdb.NewTestDB(b, migration), 0)
	body, _ := json.Marshal(map[string]any{"query": entitiesQuery, "variables": map[string]any{"r": mixedRepresentations(100, 0)}})
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

// BenchmarkTypename is the reference for BenchmarkEntities100: the same HTTP
// round trip through the same handler with a query that touches nothing.
func BenchmarkTypename(b *testing.B) {
	url := server(b, devdb.NewTestDB(b, migration), 0)
	body, _ := json.Marshal(map[string]any{"query": "{ __typename }"})
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
