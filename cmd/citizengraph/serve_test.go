package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/schema"
)

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t testing.TB, url, token, query string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: not JSON: %s", url, raw)
	}
	return out
}

// TestServeFederatedGraph runs the whole product in process — five
// subgraphs over a real, seeded PostgreSQL and the gateway over them — and
// walks Person → practices → service, payments → comune → events in one
// request, checking the answer against the database.
func TestServeFederatedGraph(t *testing.T) {
	ctx := context.Background()
	sgs, pool, iss, srv := serveGraph(t, seedgen.Params{People: 120, Seed: 3})

	// A citizen with at least one practice that carries a payment.
	var personID, fiscalCode, practiceID, iupd string
	err := pool.QueryRow(ctx, `
		select p.applicant_id::text, p.applicant_fiscal_code, p.id::text, pp.iupd
		from practices.practice p join payments.positions pp on pp.practice_id = p.id::text
		order by p.id limit 1`).Scan(&personID, &fiscalCode, &practiceID, &iupd)
	if err != nil {
		t.Fatalf("find a practice with a payment: %v", err)
	}
	var nPractices int
	if err := pool.QueryRow(ctx, `select count(*) from practices.practice where applicant_id = $1`, personID).Scan(&nPractices); err != nil {
		t.Fatal(err)
	}
	token, err := iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	const q = `{ me { id fiscalCode practices(first: 50) { totalCount nodes { id status
		service { title maxDays }
		payments { iupd installments { noticeNumber amountCents } }
		comune { istatCode name events(first: 2) { nodes { title startsAt } } } } } } }`
	res := post(t, srv.URL+"/graphql", token, q)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var data struct {
		Me struct {
			ID, FiscalCode string
			Practices      struct {
				TotalCount int
				Nodes      []struct {
					ID, Status string
					Service    struct {
						Title   string
						MaxDays int
					}
					Payments []struct {
						Iupd         string
						Installments []struct {
							NoticeNumber string
							AmountCents  int64
						}
					}
					Comune struct {
						IstatCode, Name string
						Events          struct{ Nodes []struct{ Title string } }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(res.Data, &data); err != nil {
		t.Fatal(err)
	}
	me := data.Me
	if me.ID != personID || me.FiscalCode != fiscalCode {
		t.Fatalf("me = %s %s, want %s %s", me.ID, me.FiscalCode, personID, fiscalCode)
	}
	if me.Practices.TotalCount != nPractices || len(me.Practices.Nodes) != nPractices {
		t.Fatalf("practices: total %d, nodes %d, want %d", me.Practices.TotalCount, len(me.Practices.Nodes), nPractices)
	}
	found := false
	for _, pr := range me.Practices.Nodes {
		if pr.Service.Title == "" || pr.Comune.Name == "" || len(pr.Comune.IstatCode) != 6 {
			t.Errorf("practice %s: incomplete %+v", pr.ID, pr)
		}
		if pr.ID != practiceID {
			continue
		}
		found = true
		if len(pr.Payments) == 0 || pr.Payments[0].Iupd != iupd || len(pr.Payments[0].Installments) == 0 {
			t.Errorf("practice %s payments = %+v, want position %s", pr.ID, pr.Payments, iupd)
		}
		for _, in := range pr.Payments[0].Installments {
			if len(in.NoticeNumber) != 18 || in.AmountCents <= 0 {
				t.Errorf("installment %+v", in)
			}
		}
	}
	if !found {
		t.Fatalf("practice %s not in me.practices", practiceID)
	}

	// Anonymous callers get a coded error, not data or internals: the
	// gateway refuses me (@authenticated) without asking the subgraph.
	anon := post(t, srv.URL+"/graphql", "", `{ me { id } }`)
	if len(anon.Errors) == 0 || anon.Errors[0].Extensions["code"] != gateway.CodeUnauthorized {
		t.Fatalf("anonymous me: %+v", anon)
	}

	// Public data through the gateway: every comune, paginated.
	all := post(t, srv.URL+"/graphql", "", `{ comuni(first: 100) { totalCount nodes { istatCode } } }`)
	if len(all.Errors) > 0 || !strings.Contains(string(all.Data), `"totalCount":133`) {
		t.Fatalf("comuni: %s %+v", all.Data, all.Errors)
	}

	// Each subgraph is served on its own as well.
	for _, s := range sgs {
		r := post(t, srv.URL+"/subgraphs/"+s.name, "", `{ _service { sdl } }`)
		want, err := schema.Subgraph(s.name)
		if err != nil {
			t.Fatal(err)
		}
		var sdl struct {
			Service struct{ SDL string } `json:"_service"`
		}
		if err := json.Unmarshal(r.Data, &sdl); err != nil || !strings.Contains(sdl.Service.SDL, strings.TrimSpace(strings.SplitN(want, "\n", 2)[0])) {
			t.Errorf("%s: _service.sdl does not serve schema/%s: %v", s.name, s.name, err)
		}
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
}

// serveGraph serves the whole graph as serve does, over a fresh database
// seeded with p, with a development issuer for tokens.
func serveGraph(t testing.TB, p seedgen.Params) ([]subgraph, *pgxpool.Pool, *devissuer.Issuer, *httptest.Server) {
	t.Helper()
	sgs := registry()
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	for _, s := range sgs {
		if err := s.seed(context.Background(), pool, p); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: iss.Verifier()}, sgs, gateway.Options{}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return sgs, pool, iss, srv
}

// TestSupergraphCurrent fails when schema/supergraph.graphqls is not the
// composition of the subgraph SDLs (run go generate ./graph).
func TestSupergraphCurrent(t *testing.T) {
	names := schema.Names()
	sort.Strings(names)
	var sgs []compose.Subgraph
	for _, n := range names {
		sdl, err := schema.Subgraph(n)
		if err != nil {
			t.Fatal(err)
		}
		sgs = append(sgs, compose.Subgraph{Name: n, URL: "http://127.0.0.1:4000/subgraphs/" + n, SDL: sdl})
	}
	out, err := compose.Compose(sgs)
	if err != nil {
		t.Fatalf("the subgraphs do not compose: %v", err)
	}
	file, err := os.ReadFile(filepath.Join("..", "..", "schema", "supergraph.graphqls"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(file), out) {
		t.Fatal("schema/supergraph.graphqls is stale: run go generate ./graph")
	}
	if len(registry()) != len(names) {
		t.Fatalf("registry has %d subgraphs, schema/ has %d", len(registry()), len(names))
	}
}

// mountGraph mounts the whole graph on one mux, the public part and the
// subgraphs' (which serve keeps on its internal listener), for tests that
// reach both through one server.
func mountGraph(mux *http.ServeMux, pool *pgxpool.Pool, opts gqlserver.Options, sgs []subgraph, gwOpts gateway.Options, hOpts gateway.HandlerOptions) error {
	g, err := buildGraph(pool, opts, sgs, gwOpts, hOpts)
	if err != nil {
		return err
	}
	g.mountPublic(mux)
	g.mountSubgraphs(mux)
	return nil
}

// TestServeVerifiesEachTokenOnce: serve verifies a request's token at the
// gateway and its in-process subgraph hops take the principal verified
// there (auth.ForHop), so a fascicolo touching four subgraphs costs one
// verification, with the answer of the SQL reference; a request reaching
// a subgraph over HTTP verifies its token, and a forged token is refused
// at the gateway.
func TestServeVerifiesEachTokenOnce(t *testing.T) {
	sgs := registry()
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	for _, s := range sgs {
		if err := s.seed(context.Background(), pool, seedgen.Params{People: 40, Seed: 5}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	v := iss.Verifier()
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: v}, sgs, gateway.Options{ExposePlans: true}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var fc string
	if err := pool.QueryRow(context.Background(), `select p.applicant_fiscal_code from practices.practice p
		join payments.positions x on x.practice_id = p.id::text group by 1 order by count(distinct p.id) desc, 1 limit 1`).Scan(&fc); err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Token(auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	g := &fascicoloGraph{iss: iss, srv: srv}
	want := fascicoloReference(t, pool, fc)
	for i := range 3 {
		before := v.Verifications()
		got := g.fetch(t, http.DefaultClient, tok)
		if n := v.Verifications() - before; n != 1 {
			t.Fatalf("request %d: %d verifications, want 1", i, n)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("request %d: the graph answered\n%s\nthe SQL reference\n%s", i, got, want)
		}
	}
	// The query did reach several subgraphs.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":`+strconvQuote(fascicoloQuery)+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(gateway.ExposePlanHeader, "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var planned struct {
		Extensions struct {
			SubgraphFetches int `json:"subgraphFetches"`
		} `json:"extensions"`
	}
	err = json.NewDecoder(resp.Body).Decode(&planned)
	resp.Body.Close()
	if err != nil || planned.Extensions.SubgraphFetches < 3 {
		t.Fatalf("the fascicolo plan: %v, %d fetches", err, planned.Extensions.SubgraphFetches)
	}
	// Over HTTP, a subgraph verifies the token itself.
	before := v.Verifications()
	if out := post(t, srv.URL+"/subgraphs/identity", tok, `{ me { displayName } }`); len(out.Errors) > 0 || string(out.Data) == `{"me":null}` {
		t.Fatalf("identity over HTTP: %+v", out)
	}
	if n := v.Verifications() - before; n != 1 {
		t.Fatalf("a subgraph over HTTP: %d verifications, want 1", n)
	}
	// A token of another key is refused at the gateway, before any hop.
	other, _ := devissuer.New(iss.URL(), iss.Audience())
	forged, _ := other.Token(auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen, auth.RoleAdmin}}, time.Hour)
	if out := post(t, srv.URL+"/graphql", forged, `{ me { displayName } }`); len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != auth.CodeUnauthenticated {
		t.Fatalf("a forged token: %+v", out)
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
