package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// signedInOnly are the matrix rows whose operation is marked @authenticated
// (no scope): the gateway refuses them to anonymous callers.
var signedInOnly = map[string]bool{
	"Query.me": true, "Query.serviceStats": true, "Query.workQueue": true, "Query.personByFiscalCode": true, "Query.controlRoom": true,
	"Mutation.createPaymentPosition": true, "Mutation.publishPaymentPosition": true, "Mutation.invalidatePaymentPosition": true,
}

// atGateway is a cell's expected outcome through the gateway, which
// honours @authenticated and @requiresScopes before any subgraph sees the
// request: where the subgraph would refuse an anonymous caller
// (UNAUTHENTICATED) or an app without the operation's scope (FORBIDDEN),
// the gateway answers UNAUTHORIZED_FIELD_OR_TYPE and fetches nothing.
// Every other cell is the same on both paths.
func atGateway(op *matrixOp, actor, want string) string {
	row := strings.SplitN(op.name, " ", 2)[0]
	switch {
	case actor == anon && (op.scope != "" || signedInOnly[row]):
		return gateway.CodeUnauthorized
	case (actor == appMissing || actor == appNone) && op.scope != "":
		return gateway.CodeUnauthorized
	}
	return want
}

// TestServeGatewayRefusesProtectedFields runs one operation mixing public
// and protected fields through serve's gateway as callers holding
// different rights, in turns (one plan cache for all): each sees what its
// token allows, the rest is null with UNAUTHORIZED_FIELD_OR_TYPE at its
// path (a non-null field nulls its parent), and the query plan — what the
// subgraphs are asked — holds no field the caller may not see.
func TestServeGatewayRefusesProtectedFields(t *testing.T) {
	sgs := registry()
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	for _, s := range sgs {
		if err := s.seed(context.Background(), pool, seedgen.Params{People: 30, Seed: 11}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: iss.Verifier()}, sgs, gateway.Options{ExposePlans: true}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	var personID, fc string
	if err := pool.QueryRow(context.Background(), `select applicant_id::text, applicant_fiscal_code from practices.practice order by id limit 1`).Scan(&personID, &fc); err != nil {
		t.Fatal(err)
	}
	mint := func(c auth.Claims) string {
		tok, err := iss.Token(c, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	app := func(scope string) string {
		return mint(auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen}, Scope: scope, AuthorizedParty: "civic-app"})
	}
	const q = `query($id: ID!) { comuni(first: 1) { totalCount } person(id: $id) { displayName email practices(first: 1) { totalCount } } }`
	const unauth = gateway.CodeUnauthorized
	cases := []struct {
		name, token string
		person      string   // "null", "full", or "no email"
		errors      []string // path:code, sorted
		planHas     []string
		planHasNot  []string
	}{
		{"anonymous", "", "null", []string{"person.email:" + unauth, "person.practices:" + unauth}, nil, []string{"email", `service: "practices"`}},
		{"the citizen", mint(auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen}}), "full", nil, []string{"email", `service: "practices"`}, nil},
		{"app with every scope", app(strings.Join(auth.Scopes(), " ")), "full", nil, []string{"email", `service: "practices"`}, nil},
		{"app with profile:read", app(auth.ScopeProfileRead), "null", []string{"person.practices:" + unauth}, []string{"email"}, []string{`service: "practices"`}},
		{"app with practices:read", app(auth.ScopePracticesRead), "no email", []string{"person.email:" + unauth}, []string{`service: "practices"`}, []string{"email"}},
		{"app without scopes", app(""), "null", []string{"person.email:" + unauth, "person.practices:" + unauth}, nil, []string{"email", `service: "practices"`}},
	}
	for round := range 2 {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%d", c.name, round), func(t *testing.T) {
				body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": personID}})
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(gateway.ExposePlanHeader, "true")
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var r struct {
					Data struct {
						Comuni struct{ TotalCount int }
						Person *struct {
							DisplayName string
							Email       *string
							Practices   *struct{ TotalCount int }
						}
					}
					Errors []struct {
						Path       []any
						Extensions map[string]any
					}
					Extensions struct{ QueryPlan string }
				}
				if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
					t.Fatal(err)
				}
				if r.Data.Comuni.TotalCount == 0 {
					t.Errorf("public data missing")
				}
				switch p := r.Data.Person; {
				case c.person == "null" && p != nil, c.person != "null" && p == nil:
					t.Fatalf("person %+v, want %s (errors %+v)", p, c.person, r.Errors)
				case c.person == "full" && (p.Email == nil || *p.Email == "" || p.Practices == nil || p.Practices.TotalCount == 0):
					t.Errorf("person %+v, want every field", p)
				case c.person == "no email" && (p.Email != nil || p.Practices == nil || p.Practices.TotalCount == 0 || p.DisplayName == ""):
					t.Errorf("person %+v, want all but email", p)
				}
				var errs []string
				for _, e := range r.Errors {
					var path []string
					for _, s := range e.Path {
						path = append(path, fmt.Sprint(s))
					}
					errs = append(errs, strings.Join(path, ".")+":"+fmt.Sprint(e.Extensions["code"]))
				}
				sort.Strings(errs)
				if !slices.Equal(errs, c.errors) {
					t.Errorf("errors %v, want %v", errs, c.errors)
				}
				for _, s := range c.planHas {
					if !strings.Contains(r.Extensions.QueryPlan, s) {
						t.Errorf("the plan has no %s:\n%s", s, r.Extensions.QueryPlan)
					}
				}
				for _, s := range c.planHasNot {
					if strings.Contains(r.Extensions.QueryPlan, s) {
						t.Errorf("the plan has %s:\n%s", s, r.Extensions.QueryPlan)
					}
				}
			})
		}
	}

	// A client-credentials app holding every scope passes the gateway's
	// check; the identity service still refuses it a person's data.
	cc := mint(auth.Claims{Subject: "civic-app", AuthorizedParty: "civic-app", Scope: strings.Join(auth.Scopes(), " ")})
	r := call(t, srv.URL+"/graphql", cc, `query($id: ID!) { person(id: $id) { displayName email } }`, map[string]any{"id": personID})
	if len(r.Errors) == 0 {
		t.Fatalf("client credentials read a person's email: %s", r.Data["person"])
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] == unauth {
			t.Errorf("client credentials with the scope refused by the gateway: %+v", e)
		}
	}
}

// TestGatewayCommandAuthorization runs the gateway command, which verifies
// no token, in front of subgraphs nobody listens on: by default it
// refuses a protected field to a caller with a token without fetching it
// (a fetch would fail with SUBREQUEST_*), and still fetches public ones;
// with --authorization=subgraphs it fetches the protected field too.
func TestGatewayCommandAuthorization(t *testing.T) {
	dead := "http://" + freeAddr(t) + "/graphql"
	supergraphFile := filepath.Join("..", "..", "schema", "supergraph.graphqls")
	start := func(mode string) string {
		addr := freeAddr(t)
		args := []string{"--supergraph", supergraphFile, "--addr", addr, "--authorization=" + mode}
		for _, n := range []string{"culture", "identity", "payments", "practices", "territory"} {
			args = append(args, "--subgraph", n+"="+dead)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- runGateway(ctx, args) }()
		t.Cleanup(func() { cancel(); <-done })
		waitHealthy(t, "http://"+addr)
		return "http://" + addr + "/graphql"
	}
	codes := func(r gqlResult) map[string]string {
		out := map[string]string{}
		for _, e := range r.Errors {
			c, _ := e.Extensions["code"].(string)
			if strings.HasPrefix(c, "SUBREQUEST_") {
				c = "SUBREQUEST"
			}
			out[fmt.Sprint(e.Path)] = c
		}
		return out
	}
	const q = `{ me { id } comune(istatCode: "015146") { name } }`
	got := codes(call(t, start("gateway"), "a.token.nobody.verifies", q, nil))
	if want := map[string]string{"[me]": gateway.CodeUnauthorized, "[comune]": "SUBREQUEST"}; !maps.Equal(got, want) {
		t.Errorf("--authorization=gateway: errors %v, want %v", got, want)
	}
	got = codes(call(t, start("subgraphs"), "a.token.nobody.verifies", q, nil))
	if want := map[string]string{"[me]": "SUBREQUEST", "[comune]": "SUBREQUEST"}; !maps.Equal(got, want) {
		t.Errorf("--authorization=subgraphs: errors %v, want %v", got, want)
	}
	err := runGateway(context.Background(), []string{"--supergraph", supergraphFile, "--addr", freeAddr(t), "--authorization=anyone"})
	if err == nil || !strings.Contains(err.Error(), "--authorization") {
		t.Errorf("--authorization=anyone: %v, want a flag error", err)
	}
}
