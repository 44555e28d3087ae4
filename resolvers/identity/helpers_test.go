package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	identityres "github.com/citizengraph/citizengraph/resolvers/identity"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// testPrincipalHeader carries a JSON principal in tests, standing in for
// the token verification that auth.Middleware does in production.
const testPrincipalHeader = "X-Test-Principal"

func withTestPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get(testPrincipalHeader); h != "" {
			var p auth.Principal
			if err := json.Unmarshal([]byte(h), &p); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), &p))
		}
		next.ServeHTTP(w, r)
	})
}

type env struct {
	srv    *httptest.Server
	pool   *pgxpool.Pool
	plan   seedgen.Params
	places seedgen.Places
}

var plan = seedgen.Params{People: 120, Seed: 11}

func migration() db.Migration {
	return db.Migration{Schema: identity.Schema, Files: identity.Migrations()}
}

// countingWait is the loader window of the tests that count SQL queries:
// long enough that a saturated machine still gathers every sibling
// resolver into one batch, so the counts are exact.
const countingWait = 100 * time.Millisecond

func newEnv(t testing.TB, pool *pgxpool.Pool, loaderWait time.Duration) *env {
	t.Helper()
	if err := identity.Seed(context.Background(), pool, plan); err != nil {
		t.Fatalf("seed: %v", err)
	}
	pl, err := seedgen.LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}
	h := identityres.NewHandler(pool, gqlserver.Options{LoaderWait: loaderWait})
	srv := httptest.NewServer(withTestPrincipal(h))
	t.Cleanup(srv.Close)
	return &env{srv: srv, pool: pool, plan: plan, places: pl}
}

// newTestEnv runs the identity subgraph over a database that also holds the
// practices schema with its catalogue (operators' access to personal data
// depends on the practices people filed).
func newTestEnv(t testing.TB) *env {
	pool := devdb.NewTestDB(t, migration(), practices.Migration())
	if err := practices.Seed(context.Background(), pool, seedgen.Params{People: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return newEnv(t, pool, 0)
}

// filePractice records a practice of person in comune.
func (e *env) filePractice(t testing.TB, p seedgen.Person, comune string) {
	t.Helper()
	_, err := e.pool.Exec(context.Background(), `insert into practices.practice
		(id, service_id, applicant_id, applicant_fiscal_code, comune, status, created_at, updated_at)
		values (gen_random_uuid(), $1, $2, $3, $4, 'SUBMITTED', now(), now())`,
		practices.ServiceIDFor("cambio-residenza"), p.ID, p.FiscalCode, comune)
	if err != nil {
		t.Fatal(err)
	}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

type response struct {
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

func (r response) codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.code())
	}
	return out
}

// do posts query as principal (nil: anonymous).
func (e *env) do(t testing.TB, p *auth.Principal, query string, vars map[string]any) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p != nil {
		b, _ := json.Marshal(p)
		req.Header.Set(testPrincipalHeader, string(b))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out response
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

func (e *env) person(i int) seedgen.Person { return e.plan.Person(e.places, i) }

func (e *env) citizen(i int) *auth.Principal {
	p := e.person(i)
	return &auth.Principal{FirstParty: true, Subject: "sub-" + p.ID, FiscalCode: p.FiscalCode, Roles: []string{auth.RoleCitizen}}
}

// get walks a decoded JSON value by object keys and array indexes.
func get(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}
