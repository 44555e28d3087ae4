package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// desk is a seeded graph with operators' tokens for the desk tests.
type desk struct {
	pool *pgxpool.Pool
	iss  *devissuer.Issuer
	url  string // the gateway
	// comuni are the two comuni with the most submitted practices.
	comuni [2]string
}

func newDesk(t *testing.T, people int, seed int64) *desk {
	t.Helper()
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: people, Seed: seed})
	d := &desk{pool: pool, iss: iss, url: srv.URL + "/graphql"}
	rows, err := pool.Query(context.Background(), `select comune from practices.practice where status <> 'DRAFT'
		group by comune order by count(*) desc, comune limit 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&d.comuni[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d.comuni[1] == "" {
		t.Fatal("fewer than two comuni with practices")
	}
	return d
}

// operator mints a token of an operator with fiscal code fc (none when
// "") for comuni.
func (d *desk) operator(t *testing.T, fc, name string, comuni ...string) string {
	t.Helper()
	tok, err := d.iss.Token(auth.Claims{Subject: "op-" + fc + name, FiscalCode: fc, Name: name, Roles: []string{auth.RoleOperator}, Comuni: comuni}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (d *desk) token(t *testing.T, c auth.Claims) string {
	t.Helper()
	tok, err := d.iss.Token(c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// queueRow is a practice as the test reads it from the database.
type queueRow struct {
	ID, Comune, Status, Service, Assignee string
	DueBy, SubmittedAt, DecidedAt         *time.Time
}

func (d *desk) rows(t *testing.T) []queueRow {
	t.Helper()
	rows, err := d.pool.Query(context.Background(), `select id::text, comune, status, service_id::text, coalesce(assignee, ''),
		due_by, submitted_at, decided_at from practices.practice`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queueRow
	for rows.Next() {
		var r queueRow
		if err := rows.Scan(&r.ID, &r.Comune, &r.Status, &r.Service, &r.Assignee, &r.DueBy, &r.SubmittedAt, &r.DecidedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// queueCase is one filter combination of the work queue.
type queueCase struct {
	Statuses      []string
	Service       string
	Comune        string
	Overdue       *bool
	DueWithinDays *int
	Assigned      string // ANY, MINE, UNASSIGNED
	Order         string // DUE_DATE, SUBMITTED
}

func (c queueCase) vars() map[string]any {
	f := map[string]any{"assigned": c.Assigned}
	if c.Statuses != nil {
		f["statuses"] = c.Statuses
	}
	if c.Service != "" {
		f["service"] = c.Service
	}
	if c.Comune != "" {
		f["comune"] = c.Comune
	}
	if c.Overdue != nil {
		f["overdue"] = *c.Overdue
	}
	if c.DueWithinDays != nil {
		f["dueWithinDays"] = *c.DueWithinDays
	}
	return map[string]any{"filter": f, "order": c.Order}
}

// expected computes, independently of the service, the queue of an
// operator (me, of comuni) under c at now: the ids in order.
func (c queueCase) expected(all []queueRow, me string, comuni []string, now time.Time) []queueRow {
	statuses := c.Statuses
	if len(statuses) == 0 {
		statuses = []string{"PAYMENT_PENDING", "SUBMITTED", "REGISTERED", "IN_PROGRESS", "INTEGRATION_REQUESTED"}
	}
	var out []queueRow
	for _, r := range all {
		p := practices.Practice{Status: practices.Status(r.Status), DueBy: r.DueBy, DecidedAt: r.DecidedAt}
		switch {
		case !slices.Contains(comuni, r.Comune), c.Comune != "" && r.Comune != c.Comune,
			!slices.Contains(statuses, r.Status),
			c.Service != "" && r.Service != c.Service,
			c.Overdue != nil && p.Overdue(now) != *c.Overdue,
			c.DueWithinDays != nil && (r.DueBy == nil || !r.DueBy.After(now) || r.DueBy.After(now.AddDate(0, 0, *c.DueWithinDays))),
			c.Assigned == "MINE" && r.Assignee != me,
			c.Assigned == "UNASSIGNED" && r.Assignee != "":
			continue
		}
		out = append(out, r)
	}
	key := func(r queueRow) time.Time {
		t := r.DueBy
		if c.Order == "SUBMITTED" {
			t = r.SubmittedAt
		}
		if t == nil {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return *t
	}
	sort.Slice(out, func(i, j int) bool {
		ki, kj := key(out[i]), key(out[j])
		if !ki.Equal(kj) {
			return ki.Before(kj)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

const queueQuery = `query($filter: WorkQueueFilter, $order: WorkQueueOrder, $first: Int, $after: String) {
	workQueue(filter: $filter, orderBy: $order, first: $first, after: $after) {
		totalCount countsByStatus { status count }
		edges { cursor node { id status comune { istatCode } dueBy submittedAt overdue assignment { operatorId operatorName } } }
		pageInfo { hasNextPage endCursor } } }`

type queuePage struct {
	TotalCount     int
	CountsByStatus []struct {
		Status string
		Count  int
	}
	Edges []struct {
		Cursor string
		Node   struct {
			ID, Status string
			Comune     struct{ IstatCode string }
			Overdue    bool
			Assignment *struct{ OperatorID, OperatorName string }
		}
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

// walk reads the whole queue of token under c, page by page of random
// sizes, and returns the ids in order with the first page's counts.
func (d *desk) walk(t *testing.T, r *rand.Rand, token string, c queueCase) ([]string, queuePage) {
	t.Helper()
	var ids []string
	var first queuePage
	vars := c.vars()
	for page := 0; ; page++ {
		vars["first"] = 1 + r.IntN(25)
		res := call(t, d.url, token, queueQuery, vars)
		if len(res.Errors) > 0 {
			t.Fatalf("%+v page %d: %+v", c, page, res.Errors)
		}
		var p queuePage
		if err := json.Unmarshal(res.Data["workQueue"], &p); err != nil {
			t.Fatal(err)
		}
		if page == 0 {
			first = p
		}
		for _, e := range p.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !p.PageInfo.HasNextPage {
			return ids, first
		}
		if p.PageInfo.EndCursor == nil || len(p.Edges) == 0 || p.Edges[len(p.Edges)-1].Cursor != *p.PageInfo.EndCursor {
			t.Fatalf("%+v: next page without a proper endCursor: %+v", c, p.PageInfo)
		}
		vars["after"] = *p.PageInfo.EndCursor
		if page > 1000 {
			t.Fatal("the walk does not end")
		}
	}
}

func idsOf(rows []queueRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// TestWorkQueueWalkMatchesTheFilteredSet: across random filter
// combinations, orders and page sizes, the paginated walk through the
// gateway equals the filtered, ordered set computed from the table by the
// test, and totalCount and countsByStatus count it.
func TestWorkQueueWalkMatchesTheFilteredSet(t *testing.T) {
	d := newDesk(t, 400, 17)
	ctx := context.Background()
	const meFC, colleagueFC = "VRDGPP70A01F205Z", "BNCLCU75C12F205Y"
	comuni := []string{d.comuni[0], d.comuni[1]}
	me := d.operator(t, meFC, "Giuseppe Verdi", comuni...)
	colleague := d.operator(t, colleagueFC, "Lucia Bianchi", d.comuni[0])
	// Some practices taken by me and by a colleague, through the gateway.
	var open []string
	rows, err := d.pool.Query(ctx, `select id::text from practices.practice where comune = $1
		and status in ('SUBMITTED', 'REGISTERED', 'IN_PROGRESS', 'INTEGRATION_REQUESTED', 'PAYMENT_PENDING') order by id`, d.comuni[0])
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		open = append(open, id)
	}
	rows.Close()
	if len(open) < 12 {
		t.Fatalf("only %d open practices in %s", len(open), d.comuni[0])
	}
	for i, id := range open[:12] {
		tok := me
		if i%3 == 0 {
			tok = colleague
		}
		if r := call(t, d.url, tok, `mutation($id: ID!) { takePractice(id: $id) { id } }`, map[string]any{"id": id}); len(r.Errors) > 0 {
			t.Fatalf("take: %+v", r.Errors)
		}
	}
	var services []string
	if err := d.pool.QueryRow(ctx, `select array_agg(distinct service_id::text) from practices.practice where comune = any($1)`, comuni).Scan(&services); err != nil {
		t.Fatal(err)
	}
	all := d.rows(t)
	r := rand.New(rand.NewPCG(17, 9))
	statusSets := [][]string{nil, {"SUBMITTED"}, {"IN_PROGRESS", "INTEGRATION_REQUESTED"}, {"COMPLETED", "REJECTED"},
		{"WITHDRAWN", "PAYMENT_PENDING", "REGISTERED"}, {"SUBMITTED", "REGISTERED", "IN_PROGRESS", "COMPLETED"}}
	nonEmpty, cases := 0, 60
	if testing.Short() {
		cases = 20
	}
	for i := range cases {
		c := queueCase{Statuses: statusSets[r.IntN(len(statusSets))], Assigned: []string{"ANY", "MINE", "UNASSIGNED"}[r.IntN(3)],
			Order: []string{"DUE_DATE", "SUBMITTED"}[r.IntN(2)]}
		if r.IntN(3) == 0 {
			c.Service = services[r.IntN(len(services))]
		}
		if r.IntN(3) == 0 {
			c.Comune = comuni[r.IntN(2)]
		}
		if r.IntN(3) == 0 {
			b := r.IntN(2) == 0
			c.Overdue = &b
		}
		if r.IntN(4) == 0 {
			n := 1 + r.IntN(60)
			c.DueWithinDays = &n
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			before := time.Now()
			got, first := d.walk(t, r, me, c)
			after := time.Now()
			want := c.expected(all, meFC, comuni, before)
			if !slices.Equal(idsOf(want), idsOf(c.expected(all, meFC, comuni, after))) {
				t.Skip("a due date fell inside the walk: the expected set is ambiguous")
			}
			if !slices.Equal(got, idsOf(want)) {
				t.Fatalf("%+v: walk of %d practices, want %d\n got %v\nwant %v", c, len(got), len(want), got, idsOf(want))
			}
			if first.TotalCount != len(want) {
				t.Errorf("%+v: totalCount %d, want %d", c, first.TotalCount, len(want))
			}
			counts := map[string]int{}
			for _, w := range want {
				counts[w.Status]++
			}
			sum := 0
			for _, sc := range first.CountsByStatus {
				if sc.Count != counts[sc.Status] {
					t.Errorf("%+v: %s counted %d, want %d", c, sc.Status, sc.Count, counts[sc.Status])
				}
				sum += sc.Count
			}
			if sum != first.TotalCount {
				t.Errorf("counts add up to %d, totalCount %d", sum, first.TotalCount)
			}
			if len(want) > 0 {
				nonEmpty++
			}
		})
	}
	if nonEmpty < cases/3 {
		t.Errorf("only %d of %d combinations selected anything: the test says little", nonEmpty, cases)
	}
}

// TestTakePracticeRace: operators of the comune take the same practice at
// once, through the gateway; exactly one wins, every other gets CONFLICT,
// and the practice is assigned to the winner.
func TestTakePracticeRace(t *testing.T) {
	d := newDesk(t, 400, 23)
	ctx := context.Background()
	var ids []string
	rows, err := d.pool.Query(ctx, `select id::text from practices.practice where comune = $1 and status = any('{PAYMENT_PENDING,SUBMITTED,REGISTERED,IN_PROGRESS,INTEGRATION_REQUESTED}')
		order by id limit 8`, d.comuni[0])
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 4 {
		t.Fatalf("%d practices", len(ids))
	}
	const racers = 6
	fcs := []string{"VRDGPP70A01F205Z", "BNCLCU75C12F205Y", "RSSMRA80A41F205X", "FRRLGU66B01F205K", "CLMNNA90C41F205T", ""}
	tokens := make([]string, racers)
	for i := range tokens {
		tokens[i] = d.operator(t, fcs[i], fmt.Sprintf("Operatore %d", i), d.comuni[0])
	}
	for _, id := range ids {
		var wg sync.WaitGroup
		results := make([]gqlResult, racers)
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = call(t, d.url, tokens[i], `mutation($id: ID!) { takePractice(id: $id) { id assignment { operatorId } } }`, map[string]any{"id": id})
			}()
		}
		close(start)
		wg.Wait()
		winners := 0
		var winner string
		for i, r := range results {
			if len(r.Errors) == 0 {
				winners++
				winner = fcs[i]
				if winner == "" {
					winner = "sub:op-Operatore 5"
				}
				continue
			}
			if code := r.Errors[0].Extensions["code"]; code != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "already taken") {
				t.Errorf("loser %d: %+v", i, r.Errors)
			}
		}
		if winners != 1 {
			t.Fatalf("practice %s: %d winners", id, winners)
		}
		var assignee string
		if err := d.pool.QueryRow(ctx, `select assignee from practices.practice where id = $1`, id).Scan(&assignee); err != nil {
			t.Fatal(err)
		}
		if assignee != winner {
			t.Errorf("practice %s assigned to %q, the winner is %q", id, assignee, winner)
		}
	}
}

// TestDeskAdversarial: the desk refuses callers and arguments it must
// refuse, with coded errors, and shows nothing of other comuni.
func TestDeskAdversarial(t *testing.T) {
	d := newDesk(t, 400, 29)
	ctx := context.Background()
	var practiceID, applicantFC, otherComune string
	if err := d.pool.QueryRow(ctx, `select id::text, applicant_fiscal_code from practices.practice where comune = $1 and status = any('{SUBMITTED,REGISTERED,IN_PROGRESS}')
		order by id limit 1`, d.comuni[0]).Scan(&practiceID, &applicantFC); err != nil {
		t.Fatal(err)
	}
	if err := d.pool.QueryRow(ctx, `select c.istat_code from territory.comune c where not exists
		(select 1 from practices.practice p where p.comune = c.istat_code) order by 1 limit 1`).Scan(&otherComune); err != nil {
		t.Fatal(err)
	}
	opHere := d.operator(t, "VRDGPP70A01F205Z", "Giuseppe Verdi", d.comuni[0])
	opColleague := d.operator(t, "BNCLCU75C12F205Y", "Lucia Bianchi", d.comuni[0])
	opElsewhere := d.operator(t, "RSSMRA80A41F205X", "Maria Rossi", otherComune)
	citizen := d.token(t, auth.Claims{FiscalCode: applicantFC, Roles: []string{auth.RoleCitizen}})
	// A third-party app asking for operator powers: its token keeps the citizen role only.
	app := d.token(t, auth.Claims{FiscalCode: applicantFC, Roles: []string{auth.RoleOperator, auth.RoleAdmin}, Comuni: []string{d.comuni[0]},
		Scope: strings.Join(auth.Scopes(), " "), AuthorizedParty: "civic-app"})
	machine := d.token(t, auth.Claims{Subject: "civic-app", AuthorizedParty: "civic-app", Scope: strings.Join(auth.Scopes(), " ")})
	q := `query($f: WorkQueueFilter, $o: WorkQueueOrder, $first: Int, $after: String) { workQueue(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount nodes { id comune { istatCode } } pageInfo { endCursor } } }`
	code := func(r gqlResult) string {
		if len(r.Errors) == 0 {
			return "ok"
		}
		c, _ := r.Errors[0].Extensions["code"].(string)
		return c
	}
	for _, c := range []struct {
		name, token string
		vars        map[string]any
		want        string
	}{
		{"anonymous", "", nil, "UNAUTHORIZED_FIELD_OR_TYPE"},
		{"citizen", citizen, nil, "FORBIDDEN"},
		{"third-party app asking for operator powers", app, nil, "FORBIDDEN"},
		{"client-credentials app", machine, nil, "FORBIDDEN"},
		{"operator naming a comune not theirs", opElsewhere, map[string]any{"f": map[string]any{"comune": d.comuni[0]}}, "FORBIDDEN"},
		{"unknown comune", opHere, map[string]any{"f": map[string]any{"comune": "999999"}}, "BAD_USER_INPUT"},
		{"drafts", opHere, map[string]any{"f": map[string]any{"statuses": []string{"SUBMITTED", "DRAFT"}}}, "BAD_USER_INPUT"},
		{"dueWithinDays 0", opHere, map[string]any{"f": map[string]any{"dueWithinDays": 0}}, "BAD_USER_INPUT"},
		{"dueWithinDays 10000", opHere, map[string]any{"f": map[string]any{"dueWithinDays": 10000}}, "BAD_USER_INPUT"},
		{"service not an id", opHere, map[string]any{"f": map[string]any{"service": "cie"}}, "BAD_USER_INPUT"},
		{"first 0", opHere, map[string]any{"first": 0}, "BAD_USER_INPUT"},
		{"first 101", opHere, map[string]any{"first": 101}, "BAD_USER_INPUT"},
		{"garbage cursor", opHere, map[string]any{"after": "not-a-cursor"}, "BAD_USER_INPUT"},
		{"cursor of a practice cursor", opHere, map[string]any{"after": practices.EncodePracticeCursor(practices.Practice{ID: practiceID})}, "BAD_USER_INPUT"},
		{"operator elsewhere sees an empty queue", opElsewhere, nil, "ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, d.url, c.token, q, c.vars)
			if got := code(r); got != c.want {
				t.Fatalf("got %s, want %s: %s %+v", got, c.want, r.Data["workQueue"], r.Errors)
			}
			if c.want == "ok" && !strings.Contains(string(r.Data["workQueue"]), `"totalCount":0`) {
				t.Fatalf("an operator of %s sees %s", otherComune, r.Data["workQueue"])
			}
			for _, e := range r.Errors {
				if strings.Contains(strings.ToLower(e.Message), "select") || strings.Contains(e.Message, "practices.") {
					t.Errorf("internal detail in %q", e.Message)
				}
			}
		})
	}
	t.Run("cursor of the other order", func(t *testing.T) {
		r := call(t, d.url, opHere, q, map[string]any{"first": 1, "o": "DUE_DATE"})
		var p struct{ PageInfo struct{ EndCursor string } }
		_ = json.Unmarshal(r.Data["workQueue"], &p)
		r = call(t, d.url, opHere, q, map[string]any{"first": 1, "o": "SUBMITTED", "after": p.PageInfo.EndCursor})
		if code(r) != "BAD_USER_INPUT" {
			t.Fatalf("got %+v", r.Errors)
		}
	})
	take := `mutation($id: ID!) { takePractice(id: $id) { id assignment { operatorId operatorName at } } }`
	release := `mutation($id: ID!) { releasePractice(id: $id) { id assignment { operatorId } } }`
	vars := map[string]any{"id": practiceID}
	t.Run("take, read, release", func(t *testing.T) {
		for _, c := range []struct {
			name, token, query, want string
		}{
			{"operator elsewhere takes", opElsewhere, take, "NOT_FOUND"},
			{"citizen takes their own practice", citizen, take, "FORBIDDEN"},
			{"app takes", app, take, "FORBIDDEN"},
			{"operator takes", opHere, take, "ok"},
			{"operator takes again", opHere, take, "ok"},
			{"colleague takes", opColleague, take, "CONFLICT"},
			{"colleague releases", opColleague, release, "FORBIDDEN"},
			{"operator elsewhere releases", opElsewhere, release, "NOT_FOUND"},
		} {
			r := call(t, d.url, c.token, c.query, vars)
			if got := code(r); got != c.want {
				t.Fatalf("%s: got %s, want %s (%+v)", c.name, got, c.want, r.Errors)
			}
		}
		// Who took it: operators of the comune see it, the applicant does not.
		read := `query($id: ID!) { practice(id: $id) { assignment { operatorId operatorName } } }`
		if s := string(call(t, d.url, opColleague, read, vars).Data["practice"]); !strings.Contains(s, `"operatorId":"VRDGPP70A01F205Z","operatorName":"Giuseppe Verdi"`) {
			t.Errorf("the colleague reads %s", s)
		}
		if s := string(call(t, d.url, citizen, read, vars).Data["practice"]); s != `{"assignment":null}` {
			t.Errorf("the applicant reads %s", s)
		}
		mine := call(t, d.url, opHere, q, map[string]any{"f": map[string]any{"assigned": "MINE"}})
		if !strings.Contains(string(mine.Data["workQueue"]), practiceID) {
			t.Errorf("MINE: %s %+v", mine.Data["workQueue"], mine.Errors)
		}
		if r := call(t, d.url, opHere, release, vars); code(r) != "ok" || !strings.Contains(string(r.Data["releasePractice"]), `"assignment":null`) {
			t.Fatalf("release: %s %+v", r.Data["releasePractice"], r.Errors)
		}
		if r := call(t, d.url, opColleague, take, vars); code(r) != "ok" {
			t.Fatalf("the colleague takes the released practice: %+v", r.Errors)
		}
	})
	t.Run("closed and draft practices cannot be taken", func(t *testing.T) {
		for _, status := range []string{"COMPLETED", "DRAFT"} {
			var id string
			if err := d.pool.QueryRow(ctx, `select id::text from practices.practice where comune = $1 and status = $2 limit 1`, d.comuni[0], status).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if r := call(t, d.url, opHere, take, map[string]any{"id": id}); code(r) != "ILLEGAL_TRANSITION" {
				t.Errorf("%s: %+v", status, r.Errors)
			}
		}
	})
	t.Run("unknown and malformed ids", func(t *testing.T) {
		for _, id := range []string{"00000000-0000-4000-8000-000000000000", "nope"} {
			if r := call(t, d.url, opHere, take, map[string]any{"id": id}); code(r) != "NOT_FOUND" {
				t.Errorf("%s: %+v", id, r.Errors)
			}
		}
	})
}
