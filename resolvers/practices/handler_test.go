package practices_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	resolvers "github.com/citizengraph/citizengraph/resolvers/practices"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

const (
	milan   = practices.MilanIstat
	rho     = "015182"
	aliceFC = "RSSMRA80A41F205X"
	aliceID = "11111111-1111-4111-8111-111111111111"
)

// tokens maps bearer tokens to principals, standing in for the identity
// broker's verifier.
type tokens map[string]*auth.Principal

func (t tokens) Verify(_ context.Context, raw string) (*auth.Principal, error) {
	if p, ok := t[raw]; ok {
		return p, nil
	}
	return nil, errors.New("unknown token")
}

var principals = tokens{
	"alice":    {FirstParty: true, Subject: "alice", FiscalCode: aliceFC, Roles: []string{auth.RoleCitizen}},
	"bob":      {FirstParty: true, Subject: "bob", FiscalCode: "BNCLCU75C12F205Y", Roles: []string{auth.RoleCitizen}},
	"op-milan": {FirstParty: true, Subject: "op", FiscalCode: "VRDGPP70A01F205Z", Roles: []string{auth.RoleOperator}, Comuni: []string{milan}},
	"admin":    {FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}},
}

// registry maps fiscal codes to person ids, standing in for the identity
// subgraph (no mandates).
type registry map[string]string

func (r registry) Of(_ context.Context, fc string, _ time.Time) (identity.Principal, error) {
	return identity.Principal{PersonID: r[fc], FiscalCode: fc}, nil
}

type server struct {
	url  string
	pool *pgxpool.Pool
	qc   *devdb.QueryCounter
	svc  *practices.Service
}

// countingWait is the loader window of the tests that count SQL queries:
// long enough that a saturated machine still gathers every sibling
// resolver into one batch, so the counts are exact.
const countingWait = 100 * time.Millisecond

func newServer(t testing.TB, people int, loaderWait time.Duration) *server {
	t.Helper()
	pool, qc := devdb.NewCountingTestDB(t, practices.Migration())
	if err := practices.Seed(context.Background(), pool, seedgen.Params{People: people, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	svc, err := practices.NewService(practices.NewStore(pool), practices.WithClock(func() time.Time { return now }), practices.WithRegistry(registry{aliceFC: aliceID}))
	if err != nil {
		t.Fatal(err)
	}
	h := gqlserver.Handle(principals, resolvers.NewServiceHandler(svc, gqlserver.Options{Verifier: principals, LoaderWait: loaderWait}))
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &server{url: ts.URL, pool: pool, qc: qc, svc: svc}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (s *server) do(t testing.TB, token, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out response
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func code(r response) string {
	if len(r.Errors) == 0 {
		return "ok"
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const practiceFields = `id status protocolNumber dueBy overdue applicantFiscalCode
	applicant { id } comune { istatCode } service { id title requiresPayment maxDays }`

type practiceJSON struct {
	ID                  string  `json:"id"`
	Status              string  `json:"status"`
	ProtocolNumber      *string `json:"protocolNumber"`
	DueBy               *string `json:"dueBy"`
	Overdue             bool    `json:"overdue"`
	ApplicantFiscalCode string  `json:"applicantFiscalCode"`
	Applicant           struct{ ID string }
	Comune              struct{ IstatCode string }
	Service             struct {
		ID, Title       string
		RequiresPayment bool
		MaxDays         int
	}
}

func TestLifecycleOverHTTP(t *testing.T) {
	s := newServer(t, 0, 0)
	create := `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { ` + practiceFields + ` } }`
	in := map[string]any{"in": map[string]any{"serviceId": practices.ServiceIDFor("cambio-residenza"), "comune": milan, "applicantId": aliceID}}
	if got := code(s.do(t, "", create, in)); got != "UNAUTHENTICATED" {
		t.Fatalf("anonymous create: %s", got)
	}
	created := decode[struct{ CreatePractice practiceJSON }](t, s.do(t, "alice", create, in)).CreatePractice
	if created.Status != "DRAFT" || created.ApplicantFiscalCode != aliceFC || created.Applicant.ID != aliceID ||
		created.Comune.IstatCode != milan || created.Service.Title != "Cambio di residenza" || created.DueBy != nil {
		t.Fatalf("created %+v", created)
	}
	id := created.ID
	step := func(token, mutation, note string) response {
		args := `(id: $id)`
		vars := map[string]any{"id": id}
		if note != "" {
			args = `(id: $id, note: $note)`
			vars["note"] = note
		}
		decl := `$id: ID!`
		if note != "" {
			decl += `, $note: String!`
		}
		return s.do(t, token, `mutation(`+decl+`) { `+mutation+args+` { `+practiceFields+` } }`, vars)
	}
	if got := code(step("alice", "registerPractice", "")); got != "FORBIDDEN" {
		t.Fatalf("citizen registers: %s", got)
	}
	if got := code(step("bob", "submitPractice", "")); got != "NOT_FOUND" {
		t.Fatalf("stranger submits: %s", got)
	}
	if got := code(step("op-milan", "takePracticeInCharge", "")); got != "ILLEGAL_TRANSITION" {
		t.Fatalf("take in charge a draft: %s", got)
	}
	for _, st := range []struct{ token, mutation, note, want string }{
		{"alice", "submitPractice", "", "SUBMITTED"},
		{"op-milan", "registerPractice", "", "REGISTERED"},
		{"op-milan", "takePracticeInCharge", "", "IN_PROGRESS"},
		{"op-milan", "requestIntegration", "Allegare il contratto di affitto.", "INTEGRATION_REQUESTED"},
		{"alice", "answerIntegration", "Allegato.", "IN_PROGRESS"},
		{"op-milan", "completePractice", "", "COMPLETED"},
	} {
		r := step(st.token, st.mutation, st.note)
		got := decode[map[string]practiceJSON](t, r)
		if p := got[st.mutation]; p.Status != st.want {
			t.Fatalf("%s: %s, want %s", st.mutation, p.Status, st.want)
		}
	}
	if r := step("alice", "withdrawPractice", ""); code(r) != "ILLEGAL_TRANSITION" || strings.Contains(r.Errors[0].Message, "select") {
		t.Fatalf("withdraw a completed practice: %+v", r.Errors)
	}
	q := `query($id: ID!) { practice(id: $id) { ` + practiceFields + `
		history { status at note actor { kind id } } documents { id } } }`
	got := decode[struct {
		Practice struct {
			practiceJSON
			History []struct {
				Status string
				Note   *string
				Actor  struct{ Kind, ID string }
			}
		}
	}](t, s.do(t, "alice", q, map[string]any{"id": id})).Practice
	statuses := []string{}
	for _, h := range got.History {
		statuses = append(statuses, h.Status)
	}
	if strings.Join(statuses, ",") != "DRAFT,SUBMITTED,REGISTERED,IN_PROGRESS,INTEGRATION_REQUESTED,IN_PROGRESS,COMPLETED" {
		t.Fatalf("history %v", statuses)
	}
	if got.History[4].Note == nil || got.History[4].Actor.Kind != "OPERATOR" || got.History[5].Actor.ID != aliceFC {
		t.Fatalf("history rows %+v", got.History)
	}
	if got.ProtocolNumber == nil || !strings.HasPrefix(*got.ProtocolNumber, milan+"/2026/") {
		t.Fatalf("protocol %v", got.ProtocolNumber)
	}
	if code(s.do(t, "bob", q, map[string]any{"id": id})) != "NOT_FOUND" {
		t.Fatal("bob reads alice's practice")
	}
	doc := `mutation($id: ID!, $in: DocumentInput!) { addDocument(practiceId: $id, input: $in) { id sha256 } }`
	bad := map[string]any{"id": id, "in": map[string]any{"name": "a.pdf", "mediaType": "application/pdf", "size": 10, "sha256": "zz"}}
	if got := code(s.do(t, "op-milan", doc, bad)); got != "BAD_USER_INPUT" {
		t.Fatalf("bad digest: %s", got)
	}
}

func TestEntitiesBatchOneQueryPerType(t *testing.T) {
	s := newServer(t, 60, countingWait)
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `select id::text from practices.practice order by id limit 60`)
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
	if len(ids) < 40 {
		t.Fatalf("only %d seeded practices", len(ids))
	}
	cards := practices.Catalogue()
	missing := "00000000-0000-4000-8000-000000000000"
	var reps []map[string]any
	var want []string // typename:key, "" for the missing one
	for i := 0; len(reps) < 100; i++ {
		switch i % 5 {
		case 0, 1:
			reps = append(reps, map[string]any{"__typename": "Practice", "id": ids[i%len(ids)]})
			want = append(want, "Practice:"+ids[i%len(ids)])
		case 2:
			c := cards[i%len(cards)]
			reps = append(reps, map[string]any{"__typename": "Service", "id": c.ID})
			want = append(want, "Service:"+c.ID)
		case 3:
			pid := seedgen.Params{Seed: 3}.PersonID(i)
			reps = append(reps, map[string]any{"__typename": "Person", "id": pid})
			want = append(want, "Person:"+pid)
		case 4:
			reps = append(reps, map[string]any{"__typename": "Comune", "istatCode": rho})
			want = append(want, "Comune:"+rho)
		}
	}
	reps[50] = map[string]any{"__typename": "Practice", "id": missing}
	want[50] = ""
	q := `query($r: [_Any!]!) { _entities(representations: $r) { __typename
		... on Practice { id status } ... on Service { id title } ... on Person { id } ... on Comune { istatCode } } }`
	s.qc.Reset()
	r := s.do(t, "admin", q, map[string]any{"r": reps})
	if n := s.qc.Count(); n != 2 {
		t.Fatalf("%d queries, want 2 (practices, services): %v", n, s.qc.Queries())
	}
	if len(r.Errors) != 1 || code(r) != "NOT_FOUND" || fmt.Sprint(r.Errors[0].Path) != "[_entities 50]" {
		t.Fatalf("errors %+v", r.Errors)
	}
	var data struct {
		Entities []map[string]any `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Entities) != 100 {
		t.Fatalf("%d entities", len(data.Entities))
	}
	for i, e := range data.Entities {
		if want[i] == "" {
			if e != nil {
				t.Fatalf("missing practice resolved to %v", e)
			}
			continue
		}
		key, _ := e["id"].(string)
		if e["__typename"] == "Comune" {
			key, _ = e["istatCode"].(string)
		}
		if got := fmt.Sprint(e["__typename"], ":", key); got != want[i] {
			t.Fatalf("entity %d is %s, want %s", i, got, want[i])
		}
	}
	// A citizen gets NOT_FOUND for other people's practices, per index,
	// as for practices that do not exist.
	r = s.do(t, "bob", q, map[string]any{"r": reps[:3]})
	if len(r.Errors) != 2 || code(r) != "NOT_FOUND" {
		t.Fatalf("citizen batch: %+v", r.Errors)
	}
}

func TestNestedFieldsAreBatched(t *testing.T) {
	s := newServer(t, 200, countingWait)
	ctx := context.Background()
	// Ten people with practices, fetched through Person.practices with
	// every nested list: one query per kind of lookup, whatever the count.
	rows, err := s.pool.Query(ctx, `select applicant_id::text from practices.practice group by 1 order by 1 limit 10`)
	if err != nil {
		t.Fatal(err)
	}
	var reps []map[string]any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, map[string]any{"__typename": "Person", "id": id})
	}
	q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { id
		practices(first: 5) { totalCount pageInfo { hasNextPage endCursor }
			nodes { id status service { title comuni { istatCode } } history { status } documents { sha256 } } } } } }`
	s.qc.Reset()
	r := s.do(t, "admin", q, map[string]any{"r": reps})
	if len(r.Errors) > 0 {
		t.Fatalf("errors %+v", r.Errors)
	}
	// counts, pages with their histories, services, documents: 4
	// queries, whatever the number of people and practices.
	queries := s.qc.Count()
	var data struct {
		Entities []struct {
			Practices struct {
				TotalCount int
				Nodes      []struct {
					History []struct{ Status string }
					Service struct {
						Title  string
						Comuni []struct{ IstatCode string }
					}
				}
			}
		} `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, e := range data.Entities {
		total += e.Practices.TotalCount
		for _, n := range e.Practices.Nodes {
			if len(n.History) == 0 || n.History[0].Status != "DRAFT" || n.Service.Title == "" || len(n.Service.Comuni) == 0 {
				t.Fatalf("node %+v", n)
			}
		}
	}
	nodes := 0
	for _, e := range data.Entities {
		nodes += len(e.Practices.Nodes)
	}
	if nodes < 20 || queries != 4 {
		t.Fatalf("%d queries for %d people and %d practices, want 4: %v", queries, len(reps), nodes, s.qc.Queries())
	}
	if total == 0 {
		t.Fatal("no practices")
	}
}

type personPages struct {
	Entities []struct {
		Practices struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
	} `json:"_entities"`
}

func TestPersonPracticesPagingOverHTTP(t *testing.T) {
	s := newServer(t, 300, 0)
	ctx := context.Background()
	var person string
	var n int
	if err := s.pool.QueryRow(ctx, `select applicant_id::text, count(*) from practices.practice
		group by 1 order by 2 desc, 1 limit 1`).Scan(&person, &n); err != nil {
		t.Fatal(err)
	}
	var want []string
	rows, err := s.pool.Query(ctx, `select id::text from practices.practice where applicant_id = $1
		order by created_at desc, id desc`, person)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	q := `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Person {
		practices(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } } } }`
	rep := []map[string]any{{"__typename": "Person", "id": person}}
	var got []string
	var after any
	for range n + 1 {
		r := s.do(t, "admin", q, map[string]any{"r": rep, "after": after})
		data := decode[personPages](t, r)
		c := data.Entities[0].Practices
		if c.TotalCount != n {
			t.Fatalf("totalCount %d, want %d", c.TotalCount, n)
		}
		for _, e := range c.Edges {
			got = append(got, e.Node.ID)
		}
		if !c.PageInfo.HasNextPage {
			break
		}
		after = *c.PageInfo.EndCursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %v, want %v", got, want)
	}
	for _, bad := range []map[string]any{{"r": rep, "after": "%%%"}} {
		if c := code(s.do(t, "admin", q, bad)); c != "BAD_USER_INPUT" {
			t.Fatalf("bad cursor: %s", c)
		}
	}
	q0 := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { practices(first: 0) { totalCount } } } }`
	if c := code(s.do(t, "admin", q0, map[string]any{"r": rep})); c != "BAD_USER_INPUT" {
		t.Fatalf("first 0: %s", c)
	}
	// A stranger sees none of them.
	r := s.do(t, "bob", q, map[string]any{"r": rep})
	if !strings.Contains(string(r.Data), `"totalCount":0`) {
		t.Fatalf("stranger sees %s", r.Data)
	}
}

func TestCatalogueQueries(t *testing.T) {
	s := newServer(t, 0, countingWait)
	q := `query($f: ServiceFilter, $first: Int, $after: String) { services(filter: $f, first: $first, after: $after) {
		totalCount pageInfo { hasNextPage endCursor } nodes { id title category { code name } lifeEvents { scope code name }
		contacts { office pec } channels archetype state feeCents } } }`
	type page struct {
		Services struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   *string
			}
			Nodes []struct {
				ID, Title string
				Category  struct {
					Code int
					Name string
				}
				LifeEvents []struct {
					Scope string
					Code  int
					Name  string
				}
				State    string
				FeeCents *int
			}
		}
	}
	var titles []string
	var after any
	for {
		p := decode[page](t, s.do(t, "", q, map[string]any{"first": 7, "after": after})).Services
		if p.TotalCount != len(practices.Catalogue()) {
			t.Fatalf("totalCount %d", p.TotalCount)
		}
		for _, n := range p.Nodes {
			if n.Category.Name == "" || len(n.LifeEvents) == 0 || n.LifeEvents[0].Name == "" {
				t.Fatalf("incomplete card %+v", n)
			}
			titles = append(titles, n.Title)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		after = *p.PageInfo.EndCursor
	}
	if len(titles) != len(practices.Catalogue()) {
		t.Fatalf("paged %d services", len(titles))
	}
	for i := 1; i < len(titles); i++ {
		if titles[i] < titles[i-1] {
			t.Fatalf("not in title order: %q before %q", titles[i-1], titles[i])
		}
	}
	school := decode[page](t, s.do(t, "", q, map[string]any{"f": map[string]any{"category": 1}, "first": 100})).Services
	for _, n := range school.Nodes {
		if n.Category.Code != 1 {
			t.Fatalf("category filter let through %+v", n)
		}
	}
	text := decode[page](t, s.do(t, "", q, map[string]any{"f": map[string]any{"text": "identità elettronica"}})).Services
	if text.TotalCount != 1 || text.Nodes[0].FeeCents == nil || *text.Nodes[0].FeeCents != 2221 {
		t.Fatalf("text search: %+v", text)
	}
	rhoCount := decode[page](t, s.do(t, "", q, map[string]any{"f": map[string]any{"comune": rho}})).Services.TotalCount
	milanCount := decode[page](t, s.do(t, "", q, map[string]any{"f": map[string]any{"comune": milan}})).Services.TotalCount
	rome := decode[page](t, s.do(t, "", q, map[string]any{"f": map[string]any{"comune": "058091"}})).Services
	if rome.TotalCount != 0 || len(rome.Nodes) != 0 {
		t.Fatalf("a comune outside the metropolitan city offers %d services", rome.TotalCount)
	}
	if rhoCount == 0 || milanCount <= rhoCount {
		t.Fatalf("milan %d services, rho %d: Milan offers more", milanCount, rhoCount)
	}
	for _, vars := range []map[string]any{{"first": 0}, {"first": 101}, {"after": "!!"}, {"f": map[string]any{"category": 16}}} {
		if c := code(s.do(t, "", q, vars)); c != "BAD_USER_INPUT" {
			t.Fatalf("%v: %s", vars, c)
		}
	}
	// Comune.services through _entities: one query for both comuni.
	eq := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Comune { istatCode services { id } } } }`
	s.qc.Reset()
	r := s.do(t, "", eq, map[string]any{"r": []map[string]any{
		{"__typename": "Comune", "istatCode": milan}, {"__typename": "Comune", "istatCode": rho},
		{"__typename": "Comune", "istatCode": "058091"}}})
	if n := s.qc.Count(); n != 1 {
		t.Fatalf("%d queries for Comune.services", n)
	}
	ents := decode[struct {
		Entities []struct {
			IstatCode string
			Services  []struct{ ID string }
		} `json:"_entities"`
	}](t, r)
	if len(ents.Entities[0].Services) != milanCount || len(ents.Entities[1].Services) != rhoCount || len(ents.Entities[2].Services) != 0 {
		t.Fatalf("Comune.services: %d %d %d", len(ents.Entities[0].Services), len(ents.Entities[1].Services), len(ents.Entities[2].Services))
	}
	sdl := decode[struct {
		Service struct{ SDL string } `json:"_service"`
	}](t, s.do(t, "", `{ _service { sdl } }`, nil)).Service.SDL
	for _, want := range []string{`type Practice @key(fields: "id")`, `type Person @key(fields: "id")`, `type Comune @key(fields: "istatCode")`} {
		if !strings.Contains(sdl, want) {
			t.Fatalf("sdl lacks %s", want)
		}
	}
}

func TestServiceStatsOverHTTP(t *testing.T) {
	s := newServer(t, 300, 0)
	q := `query($c: ID) { serviceStats(comune: $c) { count decided medianDaysToDecision p90DaysToDecision shareDecidedAfterDue } }`
	if c := code(s.do(t, "alice", q, nil)); c != "FORBIDDEN" {
		t.Fatalf("citizen: %s", c)
	}
	got := decode[struct {
		ServiceStats struct {
			Count, Decided                          int
			MedianDaysToDecision, P90DaysToDecision *float64
			ShareDecidedAfterDue                    *float64
		}
	}](t, s.do(t, "op-milan", q, map[string]any{"c": milan})).ServiceStats
	var count, decided int
	var median float64
	if err := s.pool.QueryRow(context.Background(), `select count(*), count(decided_at),
		percentile_cont(0.5) within group (order by extract(epoch from decided_at - submitted_at) / 86400)
		from practices.practice where comune = $1 and submitted_at is not null`, milan).Scan(&count, &decided, &median); err != nil {
		t.Fatal(err)
	}
	if got.Count != count || got.Decided != decided || got.MedianDaysToDecision == nil ||
		fmt.Sprintf("%.6f", *got.MedianDaysToDecision) != fmt.Sprintf("%.6f", median) ||
		*got.P90DaysToDecision < *got.MedianDaysToDecision || got.ShareDecidedAfterDue == nil {
		t.Fatalf("stats %+v, want count %d decided %d median %f", got, count, decided, median)
	}
}
