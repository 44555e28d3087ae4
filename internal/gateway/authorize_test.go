package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// worldFetcher answers subgraph queries from static data, the way a
// subgraph would, and records every query it is sent.
type worldFetcher struct {
	mu      sync.Mutex
	queries map[string][]string // by subgraph
}

var authzWorld = map[string]map[string]any{
	"people": {
		"me":     map[string]any{"__typename": "Person", "id": "1", "name": "Ada", "email": "ada@example.it", "fiscalCode": "LVLDAA85T50G702B"},
		"people": []any{map[string]any{"__typename": "Person", "id": "1", "name": "Ada", "email": "ada@example.it", "fiscalCode": "LVLDAA85T50G702B"}},
		"node":   map[string]any{"__typename": "Person", "id": "1", "name": "Ada", "email": "ada@example.it", "fiscalCode": "LVLDAA85T50G702B"},
		"secret": map[string]any{"__typename": "Secret", "code": "42"},
		"town":   "Milano",
		"updateEmail": map[string]any{"__typename": "Person", "id": "1", "name": "Ada", "email": "new@example.it",
			"fiscalCode": "LVLDAA85T50G702B"},
	},
}

func (f *worldFetcher) Fetch(_ context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		return execute.Response{}, err
	}
	f.mu.Lock()
	if f.queries == nil {
		f.queries = map[string][]string{}
	}
	f.queries[subgraph] = append(f.queries[subgraph], body.Query)
	f.mu.Unlock()
	doc, err := parser.ParseQuery(&ast.Source{Input: body.Query})
	if err != nil {
		return execute.Response{}, err
	}
	root := map[string]any{}
	for k, v := range authzWorld[subgraph] {
		root[k] = v
	}
	for _, v := range body.Variables {
		if reps, ok := v.([]any); ok { // _entities: notes of each person
			var out []any
			for _, r := range reps {
				m := r.(map[string]any)
				out = append(out, map[string]any{"__typename": m["__typename"], "id": m["id"], "notes": []any{"note of " + m["id"].(string)}})
			}
			root["_entities"] = out
		}
	}
	data := project(doc.Operations[0].SelectionSet, root)
	b, _ := json.Marshal(map[string]any{"data": data})
	return execute.Response{StatusCode: 200, Body: b}, nil
}

func project(set ast.SelectionSet, obj map[string]any) map[string]any {
	out := map[string]any{}
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			if s.Name == "__typename" {
				out[key] = obj["__typename"]
				continue
			}
			out[key] = projectValue(s.SelectionSet, obj[s.Name])
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == obj["__typename"] || s.TypeCondition == "Node" {
				for k, v := range project(s.SelectionSet, obj) {
					out[k] = v
				}
			}
		}
	}
	return out
}

func projectValue(set ast.SelectionSet, v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, it := range v {
			out[i] = projectValue(set, it)
		}
		return out
	case map[string]any:
		return project(set, v)
	}
	return v
}

func (f *worldFetcher) seen(subgraph string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.queries[subgraph])
}

func (f *worldFetcher) reset() {
	f.mu.Lock()
	f.queries = nil
	f.mu.Unlock()
}

// testAuthorizer reads the caller from the Authorization header: none is
// anonymous, "Bearer first-party" may use every scope, "Bearer app
// s1,s2" is a third-party app with those scopes.
func testAuthorizer(_ context.Context, authorization string) (bool, func(string) bool) {
	switch {
	case authorization == "":
		return false, nil
	case authorization == "Bearer first-party":
		return true, func(string) bool { return true }
	}
	scopes := strings.Split(strings.TrimPrefix(authorization, "Bearer app "), ",")
	return true, func(s string) bool { return slices.Contains(scopes, s) }
}

func authzGateway(t testing.TB, opts gateway.Options) (http.Handler, *worldFetcher, *gateway.Gateway) {
	t.Helper()
	b, err := os.ReadFile("testdata/authz.supergraph.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	f := &worldFetcher{}
	opts.Fetcher = f
	g, err := gateway.New(sg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return g.Handler(gateway.HandlerOptions{Introspection: true}), f, g
}

type authzResult struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Path       []any
		Extensions map[string]any
	}
}

func authzPost(t testing.TB, h http.Handler, authorization, query string) authzResult {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r authzResult
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %s", rec.Body.String())
	}
	return r
}

// summary is "data | path:code path:code".
func (r authzResult) summary() string {
	var errs []string
	for _, e := range r.Errors {
		var p []string
		for _, s := range e.Path {
			b, _ := json.Marshal(s)
			p = append(p, strings.Trim(string(b), `"`))
		}
		c, _ := e.Extensions["code"].(string)
		errs = append(errs, strings.Join(p, ".")+":"+c)
	}
	return string(r.Data) + " | " + strings.Join(errs, " ")
}

const (
	anonymous  = ""
	firstParty = "Bearer first-party"
	appProfile = "Bearer app profile:read,profile:write"
	appNone    = "Bearer app"
	appAdmin   = "Bearer app registry:read,admin"
	appHalf    = "Bearer app admin"
	appNotes   = "Bearer app notes:read"
)

func TestGatewayRefusesFieldsTheCallerMayNotSee(t *testing.T) {
	h, f, _ := authzGateway(t, gateway.Options{Authorizer: testAuthorizer})
	const unauth = "UNAUTHORIZED_FIELD_OR_TYPE"
	cases := []struct {
		name, caller, query, want string
		// never: words no subgraph query may contain.
		never []string
	}{
		{"public field, anonymous", anonymous, `{ town }`, `{"town":"Milano"} | `, nil},
		{"@authenticated, anonymous", anonymous, `{ me { name } }`, `{"me":null} | me:` + unauth, []string{"me"}},
		{"@authenticated, signed in", appNone, `{ me { name } }`, `{"me":{"name":"Ada"}} | `, nil},
		{"scope missing", appNone, `{ me { name email } }`, `{"me":{"name":"Ada","email":null}} | me.email:` + unauth, []string{"email"}},
		{"scope held", appProfile, `{ me { name email } }`, `{"me":{"name":"Ada","email":"ada@example.it"}} | `, nil},
		{"first party needs no scope", firstParty, `{ me { name email fiscalCode notes } }`,
			`{"me":{"name":"Ada","email":"ada@example.it","fiscalCode":"LVLDAA85T50G702B","notes":["note of 1"]}} | `, nil},
		{"non-null field nulls its parent", appNone, `{ me { name fiscalCode } }`, `{"me":null} | me.fiscalCode:` + unauth, []string{"fiscalCode"}},
		{"non-null field in a list", appNone, `{ people { id fiscalCode } }`, `{"people":null} | people.0.fiscalCode:` + unauth, []string{"fiscalCode"}},
		{"one inner list fully allowed", appAdmin, `{ me { fiscalCode } }`, `{"me":{"fiscalCode":"LVLDAA85T50G702B"}} | `, nil},
		{"an inner list half allowed is not", appHalf, `{ me { fiscalCode } }`, `{"me":null} | me.fiscalCode:` + unauth, []string{"fiscalCode"}},
		{"named fragment", appNone, `{ me { ...P } } fragment P on Person { name email }`,
			`{"me":{"name":"Ada","email":null}} | me.email:` + unauth, []string{"email"}},
		{"nested fragments", appNone, `{ me { ...A } } fragment A on Person { ...B name } fragment B on Person { email }`,
			`{"me":{"email":null,"name":"Ada"}} | me.email:` + unauth, []string{"email"}},
		{"abstract type, inline fragment", appNone, `{ node(id: "1") { id ... on Person { email } } }`,
			`{"node":{"id":"1","email":null}} | node.email:` + unauth, []string{"email"}},
		{"abstract type, held", appProfile, `{ node(id: "1") { id ... on Person { email } } }`,
			`{"node":{"id":"1","email":"ada@example.it"}} | `, nil},
		{"aliases", appNone, `{ me { a: email b: name c: email } }`,
			`{"me":{"a":null,"b":"Ada","c":null}} | me.a:` + unauth + ` me.c:` + unauth, []string{"email"}},
		{"entity field of another subgraph", appProfile, `{ me { name notes } }`,
			`{"me":{"name":"Ada","notes":null}} | me.notes:` + unauth, []string{"notes", "_entities"}},
		{"entity field held", appNotes, `{ me { name notes } }`, `{"me":{"name":"Ada","notes":["note of 1"]}} | `, nil},
		{"type-level @authenticated, anonymous", anonymous, `{ town secret { code } }`,
			`{"town":"Milano","secret":null} | secret:` + unauth, []string{"secret"}},
		{"type-level @authenticated, signed in", appNone, `{ secret { code } }`, `{"secret":{"code":"42"}} | `, nil},
		{"mutation without its scope runs nothing", appNone, `mutation { updateEmail(email: "x@example.it") { name } }`,
			`null | updateEmail:` + unauth, []string{"updateEmail"}},
		{"mutation with its scope", appProfile, `mutation { updateEmail(email: "x@example.it") { email } }`,
			`{"updateEmail":{"email":"new@example.it"}} | `, nil},
		{"__typename of a refused object's parent", anonymous, `{ me { __typename } }`, `{"me":null} | me:` + unauth, []string{"me"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.reset()
			r := authzPost(t, h, c.caller, c.query)
			if got := r.summary(); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			for _, sub := range []string{"people", "notes"} {
				for _, q := range f.seen(sub) {
					for _, w := range c.never {
						if strings.Contains(q, w) {
							t.Errorf("subgraph %s was asked for %q: %s", sub, w, q)
						}
					}
				}
			}
		})
	}
}

// TestAuthorizedPlansAreCachedPerCaller runs one operation as callers who
// may and may not see its protected field, in turns: each gets its own
// answer (no plan leaks from one caller to the other), and the plans are
// built once per kind of caller.
func TestAuthorizedPlansAreCachedPerCaller(t *testing.T) {
	h, f, g := authzGateway(t, gateway.Options{Authorizer: testAuthorizer})
	const q = `{ me { name email } }`
	want := map[string]string{
		appNone:    `{"me":{"name":"Ada","email":null}} | me.email:UNAUTHORIZED_FIELD_OR_TYPE`,
		appProfile: `{"me":{"name":"Ada","email":"ada@example.it"}} | `,
		firstParty: `{"me":{"name":"Ada","email":"ada@example.it"}} | `,
		appNotes:   `{"me":{"name":"Ada","email":null}} | me.email:UNAUTHORIZED_FIELD_OR_TYPE`,
		anonymous:  `{"me":null} | me:UNAUTHORIZED_FIELD_OR_TYPE`,
	}
	for range 3 {
		for _, caller := range []string{appNone, appProfile, firstParty, appNotes, anonymous} {
			f.reset()
			if got := authzPost(t, h, caller, q).summary(); got != want[caller] {
				t.Errorf("%q: got %s, want %s", caller, got, want[caller])
			}
			for _, sq := range f.seen("people") {
				if strings.Contains(sq, "email") && want[caller] != want[appProfile] {
					t.Errorf("%q: the subgraph was asked for email: %s", caller, sq)
				}
			}
		}
	}
	// Plans per answer to what they consulted: me's @authenticated, then
	// email's scope — anonymous; signed in without profile:read (appNone
	// and appNotes share it); with it (appProfile and first party) — and
	// the first request's, keyed by the operation alone, which tells the
	// labels to key by.
	if n := g.PlansBuilt(); n != 4 {
		t.Errorf("%d plans built, want 4", n)
	}
}

func TestIntrospectionShowsProtectedFields(t *testing.T) {
	h, _, _ := authzGateway(t, gateway.Options{Authorizer: testAuthorizer})
	r := authzPost(t, h, anonymous, `{ __type(name: "Person") { fields { name } } }`)
	for _, f := range []string{"email", "fiscalCode", "notes"} {
		if !strings.Contains(string(r.Data), `"`+f+`"`) {
			t.Errorf("introspection hides %s: %s", f, r.Data)
		}
	}
}

// Without an Authorizer every caller is anonymous; with TrustSubgraphs the
// gateway fetches protected fields for everyone and leaves the decision to
// the subgraphs.
func TestAuthorizationWithoutAnAuthorizer(t *testing.T) {
	h, f, _ := authzGateway(t, gateway.Options{})
	if got, want := authzPost(t, h, firstParty, `{ me { name } town }`).summary(), `{"me":null,"town":"Milano"} | me:UNAUTHORIZED_FIELD_OR_TYPE`; got != want {
		t.Errorf("no authorizer: got %s, want %s", got, want)
	}
	for _, q := range f.seen("people") {
		if strings.Contains(q, "me") {
			t.Errorf("no authorizer: the subgraph was asked for me: %s", q)
		}
	}
	h, _, _ = authzGateway(t, gateway.Options{TrustSubgraphs: true})
	if got, want := authzPost(t, h, anonymous, `{ me { email } }`).summary(), `{"me":{"email":"ada@example.it"}} | `; got != want {
		t.Errorf("trusting the subgraphs: got %s, want %s", got, want)
	}
}

// BenchmarkAuthorization answers one operation with protected fields as
// the first party and as an app missing a scope, against the same gateway
// trusting the subgraphs (no check at all) as the reference.
func BenchmarkAuthorization(b *testing.B) {
	const q = `{ town me { name email fiscalCode } }`
	for _, c := range []struct {
		name   string
		opts   gateway.Options
		caller string
	}{
		{"trust-subgraphs", gateway.Options{TrustSubgraphs: true}, firstParty},
		{"first-party", gateway.Options{Authorizer: testAuthorizer}, firstParty},
		{"app-missing-scope", gateway.Options{Authorizer: testAuthorizer}, appNone},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, _, _ := authzGateway(b, c.opts)
			b.ReportAllocs()
			for b.Loop() {
				authzPost(b, h, c.caller, q)
			}
		})
	}
}
