package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// prefetchGraph is the whole graph as serve builds it over its own pool
// (with its own statement counter) and iss's tokens.
type prefetchGraph struct {
	srv *httptest.Server
	qc  *devdb.QueryCounter
}

func newPrefetchGraph(t *testing.T, url string, iss *devissuer.Issuer, opts gqlserver.Options) *prefetchGraph {
	t.Helper()
	qc := &devdb.QueryCounter{}
	pool, err := db.OpenWith(context.Background(), url, func(c *pgxpool.Config) { c.ConnConfig.Tracer = qc })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	opts.Verifier = auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{}, iss.PublicKey())
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, opts, registry(), gateway.Options{}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &prefetchGraph{srv: srv, qc: qc}
}

// do posts query with variables and token ("" for none) to the gateway,
// or to a subgraph's own endpoint when path names one, and returns the
// body and the statements it cost.
func (g *prefetchGraph) do(t *testing.T, client *http.Client, path, token, query string, vars map[string]any) ([]byte, []string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, g.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	g.qc.Reset()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(raw), g.qc.Queries()
}

// statementsOn counts the statements that read table.
func statementsOn(stmts []string, table string) int {
	n := 0
	for _, s := range stmts {
		if strings.Contains(s, table) {
			n++
		}
	}
	return n
}

type prefetchFixture struct {
	url    string
	iss    *devissuer.Issuer
	rich   string   // fiscal code of the citizen with the most practices carrying payments
	people []string // person ids of several people with practices
	tokens map[string]string
	// practiceCursor and messageCursor are the rich citizen's cursors of
	// their second practice and second message.
	practiceCursor, messageCursor string
}

func newPrefetchFixture(t *testing.T) *prefetchFixture {
	t.Helper()
	ctx := context.Background()
	url := devdb.TestURL(t, migrations(registry())...)
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, s := range registry() {
		if err := s.seed(ctx, pool, seedgen.Params{People: 80, Seed: 9}); err != nil {
			t.Fatalf("seed %s: %v", s.name, err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	f := &prefetchFixture{url: url, iss: iss, tokens: map[string]string{}}
	if err := pool.QueryRow(ctx, `select p.applicant_fiscal_code from practices.practice p
		join payments.positions x on x.practice_id = p.id::text
		group by 1 order by count(distinct p.id) desc, 1 limit 1`).Scan(&f.rich); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `select applicant_id::text from practices.practice group by 1 order by count(*) desc, 1 limit 4`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, id)
	}
	if rows.Close(); rows.Err() != nil || len(f.people) < 3 {
		t.Fatalf("people with practices: %d, %v", len(f.people), rows.Err())
	}
	// A delegate (someone acting for others), a citizen with nothing, an
	// operator of the rich citizen's first comune, an administrator.
	var delegate, nobody, comune string
	if err := pool.QueryRow(ctx, `select p.fiscal_code from identity.delegation d join identity.person p on p.id = d.delegate_id
		where d.revoked_at is null and d.delegator_person_id is not null group by 1 order by count(*) desc, 1 limit 1`).Scan(&delegate); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `select fiscal_code from identity.person p where not exists
		(select from practices.practice x where x.applicant_id = p.id) order by 1 limit 1`).Scan(&nobody); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `select comune from practices.practice where applicant_fiscal_code = $1 order by created_at limit 1`, f.rich).Scan(&comune); err != nil {
		t.Fatal(err)
	}
	tok := func(c auth.Claims) string {
		s, err := iss.Token(c, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	f.tokens["anonymous"] = ""
	f.tokens["rich citizen"] = tok(auth.Claims{FiscalCode: f.rich, Roles: []string{auth.RoleCitizen}})
	f.tokens["delegate"] = tok(auth.Claims{FiscalCode: delegate, Roles: []string{auth.RoleCitizen}})
	f.tokens["citizen without practices"] = tok(auth.Claims{FiscalCode: nobody, Roles: []string{auth.RoleCitizen}})
	f.tokens["operator"] = tok(auth.Claims{FiscalCode: nobody, Roles: []string{auth.RoleCitizen, auth.RoleOperator}, Comuni: []string{comune}})
	f.tokens["admin"] = tok(auth.Claims{Subject: "admin", Roles: []string{auth.RoleAdmin}})
	f.tokens["token without scopes"] = tok(auth.Claims{FiscalCode: f.rich, Roles: []string{auth.RoleCitizen}, Scope: "openid"})
	g := newPrefetchGraph(t, url, iss, gqlserver.Options{})
	body, _ := g.do(t, http.DefaultClient, "/graphql", f.tokens["rich citizen"], `{ me { practices(first: 2) { edges { cursor } } messages(first: 2) { edges { cursor } } } }`, nil)
	var r struct {
		Data struct {
			Me struct {
				Practices, Messages struct{ Edges []struct{ Cursor string } }
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Data.Me.Practices.Edges) < 2 || len(r.Data.Me.Messages.Edges) < 2 {
		t.Fatalf("the rich citizen has too few practices or messages for cursors: %s", body)
	}
	f.practiceCursor, f.messageCursor = r.Data.Me.Practices.Edges[1].Cursor, r.Data.Me.Messages.Edges[1].Cursor
	return f
}

type prefetchCase struct {
	name, path, query string
	vars              map[string]any
}

// prefetchCases are the shapes that prefetching reads ahead for, with the
// arguments, aliases, variables, directives and mistakes that must not
// change an answer.
func prefetchCases(f *prefetchFixture) []prefetchCase {
	const practiceFields = `id status history { status at } service { title } documents { name } comune { name } payments { iupd installments { noticeNumber amountCents status } }`
	reps := func(typ, key string, ids ...string) []any {
		out := make([]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"__typename": typ, key: id}
		}
		return out
	}
	return []prefetchCase{
		{name: "fascicolo", path: "/graphql", query: fascicoloQuery},
		{name: "variables", path: "/graphql", query: `query($f: Int, $s: PracticeStatus, $u: Boolean, $a: String) { me { practices(first: $f, status: $s, after: $a) { totalCount nodes { ` + practiceFields + ` } } messages(first: $f, unreadOnly: $u, after: $a) { totalCount nodes { subject } } } }`,
			vars: map[string]any{"f": 3}},
		{name: "variables absent", path: "/graphql", query: `query($f: Int, $s: PracticeStatus) { me { practices(first: $f, status: $s) { nodes { id history { status } } } messages(first: $f) { nodes { subject } } } }`},
		{name: "status filter", path: "/graphql", query: `query($s: PracticeStatus) { me { practices(status: $s) { totalCount nodes { id service { title } } } } }`, vars: map[string]any{"s": "SUBMITTED"}},
		{name: "unread only", path: "/graphql", query: `{ me { messages(unreadOnly: true, first: 2) { totalCount pageInfo { hasNextPage } nodes { subject readAt } } } }`},
		{name: "first out of range", path: "/graphql", query: `query($f: Int) { me { practices(first: $f) { nodes { id history { status } } } messages(first: $f) { nodes { subject } } } }`, vars: map[string]any{"f": 0}},
		{name: "first too large", path: "/graphql", query: `{ me { practices(first: 1000) { nodes { id } } messages(first: 1000) { nodes { subject } } } }`},
		{name: "malformed cursors", path: "/graphql", query: `{ me { practices(after: "nope") { nodes { id } } messages(after: "nope") { nodes { subject } } } }`},
		{name: "aliases", path: "/graphql", query: `{ me { a: practices(first: 1) { nodes { id service { title } } } b: practices(first: 5) { totalCount edges { cursor node { id history { status } payments { iupd } } } } m1: messages(first: 1) { nodes { subject } } m2: messages(first: 3) { totalCount nodes { subject } } } }`},
		{name: "directives", path: "/graphql", query: `query($x: Boolean!) { me { practices(first: 4) { nodes { id history @include(if: $x) { status } service @skip(if: $x) { title } payments @include(if: $x) { iupd installments @skip(if: $x) { noticeNumber } } } } messages @include(if: $x) { nodes { subject } } } }`,
			vars: map[string]any{"x": true}},
		{name: "fragments", path: "/graphql", query: `fragment P on Practice { id history { status } ...S } fragment S on Practice { service { title } payments { ... on PaymentPosition { iupd installments { noticeNumber } } } } { me { practices(first: 5) { nodes { ...P } } } }`},
		{name: "delegators' practices", path: "/graphql", query: `{ me { delegationsReceived { areas delegator { ... on Person { displayName practices(first: 3) { totalCount nodes { ` + practiceFields + ` } } messages(first: 2) { nodes { subject } } } } } } }`},
		{name: "pages after cursors", path: "/graphql", query: `query($pa: String, $ma: String) { me { displayName practices(first: 2, after: $pa) { pageInfo { hasNextPage endCursor } nodes { id status history { status at } } } messages(first: 2, after: $ma) { pageInfo { hasNextPage endCursor } nodes { subject createdAt readAt } } } }`,
			vars: map[string]any{"pa": f.practiceCursor, "ma": f.messageCursor}},
		{name: "unread after a cursor", path: "/graphql", query: `query($ma: String) { me { messages(first: 3, unreadOnly: true, after: $ma) { nodes { subject readAt } } m: messages(first: 3, after: $ma) { nodes { subject } } } }`,
			vars: map[string]any{"ma": f.messageCursor}},
		{name: "practices subgraph entities", path: "/subgraphs/practices", query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id practices(first: 4) { totalCount nodes { id history { status } service { title } documents { name } } } } } }`,
			vars: map[string]any{"r": reps("Person", "id", append(append([]string{}, f.people...), f.people[0], "not-a-uuid")...)}},
		{name: "payments subgraph entities", path: "/subgraphs/payments", query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Practice { id payments { iupd status installments { noticeNumber status } } } } }`},
	}
}

// TestPrefetchAnswersAsTheLoadersDo compares, for every caller and every
// shape of prefetchCases, the graph that prefetches children from their
// parents with the same graph where every child waits for its loader (the
// behaviour before prefetching): the answers must be byte-identical —
// data, nulls, errors and their codes — and prefetching may not cost a
// statement more.
func TestPrefetchAnswersAsTheLoadersDo(t *testing.T) {
	f := newPrefetchFixture(t)
	with := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{})
	without := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{AroundOperation: gqlserver.PrefetchOff})
	// The payments subgraph's _entities: the rich citizen's practices and
	// one id that is no practice.
	var practiceIDs []string
	cases := prefetchCases(f)
	for i := range cases {
		if cases[i].name == "payments subgraph entities" {
			b, _ := with.do(t, http.DefaultClient, "/graphql", f.tokens["rich citizen"], `{ me { practices(first: 10) { nodes { id } } } }`, nil)
			var r struct {
				Data struct {
					Me struct {
						Practices struct{ Nodes []struct{ ID string } }
					}
				}
			}
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			for _, n := range r.Data.Me.Practices.Nodes {
				practiceIDs = append(practiceIDs, n.ID)
			}
			if len(practiceIDs) < 2 {
				t.Fatalf("the rich citizen has %d practices", len(practiceIDs))
			}
			var reps []any
			for _, id := range append(practiceIDs, f.people[0]) {
				reps = append(reps, map[string]any{"__typename": "Practice", "id": id})
			}
			cases[i].vars = map[string]any{"r": reps}
		}
	}
	var compared, withErrors, withData, saved int
	for _, c := range cases {
		for caller, token := range f.tokens {
			got, gotStmts := with.do(t, http.DefaultClient, c.path, token, c.query, c.vars)
			want, wantStmts := without.do(t, http.DefaultClient, c.path, token, c.query, c.vars)
			if c.path != "/graphql" {
				// A subgraph lists the errors of concurrent fields in the
				// order they happened; the gateway orders them.
				got, want = sortedErrors(t, got), sortedErrors(t, want)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s, %s: prefetching answered\n%s\nthe loaders alone\n%s", c.name, caller, got, want)
				continue
			}
			if len(gotStmts) > len(wantStmts) {
				t.Errorf("%s, %s: %d statements with prefetching, %d without:\n%s", c.name, caller, len(gotStmts), len(wantStmts), strings.Join(gotStmts, "\n"))
			}
			compared++
			saved += len(wantStmts) - len(gotStmts)
			if bytes.Contains(got, []byte(`"errors"`)) {
				withErrors++
			}
			if bytes.Contains(got, []byte(`"status":"`)) || bytes.Contains(got, []byte(`"subject":"`)) {
				withData++
			}
		}
	}
	if withErrors < 10 || withData < 10 {
		t.Fatalf("too few answers with errors (%d) or with data (%d) among %d", withErrors, withData, compared)
	}
	t.Logf("%d answers identical (%d with data, %d with errors); prefetching saved %d statements", compared, withData, withErrors, saved)
}

// sortedErrors returns a GraphQL response with its errors in path order.
func sortedErrors(t *testing.T, body []byte) []byte {
	t.Helper()
	var r map[string]json.RawMessage
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if raw, ok := r["errors"]; ok {
		var errs []json.RawMessage
		if err := json.Unmarshal(raw, &errs); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(errs, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
		r["errors"], _ = json.Marshal(errs)
	}
	out, _ := json.Marshal(r)
	return out
}

// TestPrefetchLoadsEachLevelOnce checks that the levels under a batch of
// parents load with one statement each, whatever the number of parents:
// no N+1, no batch split in two.
func TestPrefetchLoadsEachLevelOnce(t *testing.T) {
	f := newPrefetchFixture(t)
	g := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{})
	admin := f.tokens["admin"]
	reps := make([]any, len(f.people))
	for i, id := range f.people {
		reps[i] = map[string]any{"__typename": "Person", "id": id}
	}
	body, stmts := g.do(t, http.DefaultClient, "/subgraphs/practices", admin,
		`query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { practices(first: 10) { nodes { id history { status } service { title } documents { name } } } } } }`,
		map[string]any{"r": reps})
	if bytes.Contains(body, []byte(`"errors"`)) || strings.Count(string(body), `"history"`) < 2*len(f.people) {
		t.Fatalf("answer %s", body)
	}
	for table, want := range map[string]int{"practices.practice": 1, "practices.status_change": 1, "practices.service": 1, "practices.document": 1} {
		if got := statementsOn(stmts, table); got != want {
			t.Errorf("%d statements on %s for %d people, want %d:\n%s", got, table, len(f.people), want, strings.Join(stmts, "\n"))
		}
	}
	// The fascicolo: one statement per table it reads, and whom the
	// caller may act for looked up once for the request, not once per
	// subgraph.
	_, stmts = g.do(t, http.DefaultClient, "/graphql", f.tokens["rich citizen"], fascicoloQuery, nil)
	// The service cards come from the catalogue in memory, read by the
	// request before; the comuni from memory once the territory subgraph
	// follows their changes.
	if n := statementsOn(stmts, "territory.comune"); n > 1 {
		t.Errorf("fascicolo: %d statements on territory.comune, want at most 1:\n%s", n, strings.Join(stmts, "\n"))
	}
	for _, table := range []string{"identity.message", "identity.delegation", "practices.status_change", "payments.installments"} {
		if got := statementsOn(stmts, table); got != 1 {
			t.Errorf("fascicolo: %d statements on %s, want 1:\n%s", got, table, strings.Join(stmts, "\n"))
		}
	}
	// The person comes with their messages, the practices with their
	// histories.
	for _, pair := range [][2]string{{"identity.person", "identity.message"}, {"practices.practice", "practices.status_change"}} {
		for _, st := range stmts {
			if strings.Contains(st, pair[0]) != strings.Contains(st, pair[1]) && !strings.Contains(st, "identity.delegation") {
				t.Errorf("fascicolo: %s and %s read by different statements:\n%s", pair[0], pair[1], strings.Join(stmts, "\n"))
			}
		}
	}
	if n := statementsOn(stmts, "practices.service"); n != 0 {
		t.Errorf("fascicolo: %d statements on practices.service, want none:\n%s", n, strings.Join(stmts, "\n"))
	}
	if len(stmts) > 5 {
		t.Errorf("fascicolo: %d statements, want at most 5:\n%s", len(stmts), strings.Join(stmts, "\n"))
	}
}

// TestFascicoloWaitsForNoLoaderWindow serves the graph with loader windows
// of an hour: a fascicolo that still waited for one would not answer
// within the client's timeout. Every level is prefetched from its parent.
func TestFascicoloWaitsForNoLoaderWindow(t *testing.T) {
	f := newPrefetchFixture(t)
	g := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{LoaderWait: time.Hour})
	client := &http.Client{Timeout: 30 * time.Second}
	for _, caller := range []string{"rich citizen", "citizen without practices", "delegate"} {
		body, _ := g.do(t, client, "/graphql", f.tokens[caller], fascicoloQuery, nil)
		if !bytes.HasPrefix(body, []byte(`{"data":{"me":{"displayName":`)) || bytes.Contains(body, []byte(`"errors"`)) {
			t.Fatalf("%s: %s", caller, body)
		}
	}
}

// TestFascicoloSeesACatalogueChange checks that the service cards served
// from the catalogue in memory follow a change of the catalogue: after a
// service's title changes, the next fascicolo answers the new title, as
// the graph without prefetching and the SQL reference do; before and
// after, the cards cost no statement once the catalogue is in memory.
func TestFascicoloSeesACatalogueChange(t *testing.T) {
	f := newPrefetchFixture(t)
	with := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{})
	without := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{AroundOperation: gqlserver.PrefetchOff})
	pool, err := db.Open(context.Background(), f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	token := f.tokens["rich citizen"]
	check := func(when string, wantStatements int) []byte {
		t.Helper()
		got, stmts := with.do(t, http.DefaultClient, "/graphql", token, fascicoloQuery, nil)
		want, _ := without.do(t, http.DefaultClient, "/graphql", token, fascicoloQuery, nil)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the graph answered\n%s\nwithout prefetching\n%s", when, got, want)
		}
		if ref := fascicoloReference(t, pool, f.rich); !bytes.Equal(got, ref) {
			t.Fatalf("%s: the graph answered\n%s\nthe SQL reference\n%s", when, got, ref)
		}
		if n := statementsOn(stmts, "practices.service"); n != wantStatements {
			t.Fatalf("%s: %d statements on practices.service, want %d:\n%s", when, n, wantStatements, strings.Join(stmts, "\n"))
		}
		return got
	}
	check("first", 1) // the catalogue read into memory
	check("again", 0)
	if _, err := pool.Exec(context.Background(), `update practices.service set title = title || ' (nuovo titolo)'
		where id in (select service_id from practices.practice where applicant_fiscal_code = $1)`, f.rich); err != nil {
		t.Fatal(err)
	}
	if got := check("after the change", 1); !bytes.Contains(got, []byte(" (nuovo titolo)")) {
		t.Fatalf("after the change: %s", got)
	}
	check("after the change, again", 0)
}

// TestFascicoloSeesAComuneChange checks that the comuni the territory
// subgraph answers from memory follow a change of territory.comune: once
// announced, the next fascicolo answers the new name, as the SQL
// reference does, without a statement on territory.comune.
func TestFascicoloSeesAComuneChange(t *testing.T) {
	f := newPrefetchFixture(t)
	g := newPrefetchGraph(t, f.url, f.iss, gqlserver.Options{})
	pool, err := db.Open(context.Background(), f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	token := f.tokens["rich citizen"]
	until := func(what string, cond func([]byte) bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, stmts := g.do(t, http.DefaultClient, "/graphql", token, fascicoloQuery, nil)
			ref := fascicoloReference(t, pool, f.rich)
			if bytes.Equal(got, ref) && cond(got) && statementsOn(stmts, "territory.comune") == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the graph answered\n%s\nthe SQL reference\n%s\nstatements:\n%s", what, got, ref, strings.Join(stmts, "\n"))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	until("first", func(b []byte) bool { return bytes.Contains(b, []byte(`"comune":{"name":"`)) })
	if _, err := pool.Exec(context.Background(), `update territory.comune set name = name || ' (nuovo nome)'
		where istat_code in (select comune from practices.practice where applicant_fiscal_code = $1)`, f.rich); err != nil {
		t.Fatal(err)
	}
	until("after the change", func(b []byte) bool { return bytes.Contains(b, []byte(" (nuovo nome)")) })
}
