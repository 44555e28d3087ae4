package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// The actors of the authorization matrix.
const (
	anon        = "anonymous"
	citizen     = "citizen"               // the person whose data the rows are about (A)
	other       = "other citizen"         // a registered person unrelated to A
	delIn       = "delegate in scope"     // every area and service, valid now
	delOut      = "delegate out of scope" // PRACTICES only, of a service A's practices are not of
	delExpired  = "delegate expired"
	delRevoked  = "delegate revoked"
	opComune    = "operator of the comune" // of A's practice and position
	opOther     = "operator of another comune"
	admin       = "admin"
	appAll      = "third-party app, every scope" // for A
	appMissing  = "third-party app without the operation's scope"
	appNone     = "third-party app without scopes"
	clientCreds = "client-credentials app, every scope"
)

var actors = []string{anon, citizen, other, delIn, delOut, delExpired, delRevoked, opComune, opOther, admin, appAll, appMissing, appNone, clientCreds}

// Outcomes of a cell: data, or the code of the errors.
const (
	ok      = "ok"      // data, no error
	null    = "null"    // the field is null without error
	empty   = "empty"   // data, but the list or count filtered to nothing
	limited = "limited" // an installment read by a payer: no position, no receipt
	unauth  = "UNAUTHENTICATED"
	forbid  = "FORBIDDEN"
	nf      = "NOT_FOUND"
	confl   = "CONFLICT"
)

// expect lists every actor's outcome: def for all, then actor/outcome
// overrides.
func expect(def string, over ...string) map[string]string {
	m := make(map[string]string, len(actors))
	for _, a := range actors {
		m[a] = def
	}
	for i := 0; i+1 < len(over); i += 2 {
		if _, known := m[over[i]]; !known {
			panic("unknown actor " + over[i])
		}
		m[over[i]] = over[i+1]
	}
	return m
}

// fixture is the data the matrix is about, found in the seeded database
// and completed with delegations of known shapes.
type fixture struct {
	pool                *pgxpool.Pool
	url                 string
	iss                 *devissuer.Issuer
	aID, aFC            string // the citizen
	practice, comune    string // A's practice and its comune
	service             string // its service
	iupd, notice        string // A's position (of the comune) and a published notice of it
	message             string // one of A's messages
	otherComune         string // a comune A has no practice nor position in
	org, orgSeatComune  string // an organization with seat in the comune, represented by none of the actors
	eventID, nilID      string
	venueID             string
	grantees            []string // fiscal codes of people only grantDelegation cells use
	nextGrantee         int
	personFC            map[string]string // actor → fiscal code (persons only)
	tokens              map[string]string // actor (but appMissing) → bearer token
	scopelessApp        map[string]string // scope → token of A's app with every scope but it
	freeService, paidSv string
	keys                int
}

func (f *fixture) token(t *testing.T, actor, scope string) string {
	t.Helper()
	if actor == appMissing {
		if scope == "" {
			return f.tokens[appAll]
		}
		tok, ok := f.scopelessApp[scope]
		if !ok {
			t.Fatalf("no app token without %s", scope)
		}
		return tok
	}
	return f.tokens[actor]
}

func (f *fixture) mint(t *testing.T, c auth.Claims) string {
	t.Helper()
	tok, err := f.iss.Token(c, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newFixture picks A and the other people, rebuilds A's delegations and
// mints every actor's token.
func newFixture(t *testing.T, pool *pgxpool.Pool, iss *devissuer.Issuer, url string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{pool: pool, iss: iss, url: url, personFC: map[string]string{}, tokens: map[string]string{}, scopelessApp: map[string]string{},
		freeService: practices.ServiceIDFor("cambio-residenza"), paidSv: practices.ServiceIDFor("carta-identita-elettronica")}
	q := func(dest []any, sql string, args ...any) {
		t.Helper()
		if err := pool.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q([]any{&f.aID, &f.aFC, &f.practice, &f.comune, &f.service, &f.iupd, &f.notice}, `
		select p.applicant_id::text, p.applicant_fiscal_code, p.id::text, p.comune, p.service_id::text, pp.iupd, i.notice_number
		from practices.practice p
		join payments.positions pp on pp.practice_id = p.id::text and pp.debtor_fiscal_code = p.applicant_fiscal_code and pp.comune = p.comune
		join payments.installments i on i.position_iupd = pp.iupd and i.notice_number is not null
		where p.organization_id is null and p.service_id <> $1::uuid
		  and exists (select 1 from identity.message m where m.recipient_id = p.applicant_id)
		  and not exists (select 1 from identity.organization o where o.legal_representative_id = p.applicant_id)
		order by p.id limit 1`, practices.ServiceIDFor("permesso-area-c"))
	q([]any{&f.message}, `select id::text from identity.message where recipient_id = $1 limit 1`, f.aID)
	q([]any{&f.otherComune}, `select c.istat_code from territory.comune c
		where not exists (select 1 from practices.practice p where p.applicant_id = $1 and p.comune = c.istat_code)
		  and not exists (select 1 from payments.positions pp where pp.debtor_id = $1::text and pp.comune = c.istat_code)
		order by c.istat_code limit 1`, f.aID)
	q([]any{&f.eventID}, `select id from culture.event order by id limit 1`)
	q([]any{&f.venueID}, `select id::text from culture.venue order by id limit 1`)
	q([]any{&f.nilID}, `select id::text from territory.nil order by id limit 1`)
	// People for the other actors and the grantees: no practice, position
	// or delegation with A, and no organization.
	rows, err := pool.Query(ctx, `select fiscal_code from identity.person p
		where p.id <> $1
		  and not exists (select 1 from identity.organization o where o.legal_representative_id = p.id)
		order by p.id limit 60`, f.aID)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for rows.Next() {
		var fc string
		if err := rows.Scan(&fc); err != nil {
			t.Fatal(err)
		}
		people = append(people, fc)
	}
	rows.Close()
	if len(people) < 50 {
		t.Fatalf("%d people", len(people))
	}
	for i, a := range []string{other, delIn, delOut, delExpired, delRevoked} {
		f.personFC[a] = people[i]
	}
	f.personFC[citizen] = f.aFC
	f.grantees = people[5:]
	// The organization: seat in the comune, represented by someone else.
	q([]any{&f.org}, `select o.id::text from identity.organization o
		join identity.person p on p.id = o.legal_representative_id
		where p.fiscal_code <> all($1::text[]) order by o.id limit 1`, people[:6])
	if _, err := pool.Exec(ctx, `update identity.organization set seat_istat = $2 where id = $1`, f.org, f.comune); err != nil {
		t.Fatal(err)
	}
	f.orgSeatComune = f.comune
	// A's delegations: exactly the four of the matrix.
	if _, err := pool.Exec(ctx, `delete from identity.delegation where delegator_person_id = $1 or delegate_id = $1
		or delegate_id in (select id from identity.person where fiscal_code = any($2::text[]))`, f.aID, people[:5]); err != nil {
		t.Fatal(err)
	}
	ins := func(delegate, areas, services, from, to, revoked string) {
		t.Helper()
		_, err := pool.Exec(ctx, `insert into identity.delegation (id, delegator_person_id, delegate_id, areas, services, valid_from, valid_to, revoked_at)
			select gen_random_uuid(), $1, p.id, $3::text[], $4::text[], now() + $5::interval, now() + nullif($6, '')::interval, now() + nullif($7, '')::interval
			from identity.person p where p.fiscal_code = $2`, f.aID, delegate, areas, services, from, to, revoked)
		if err != nil {
			t.Fatal(err)
		}
	}
	ins(f.personFC[delIn], "{}", "{}", "-1 day", "", "")
	ins(f.personFC[delOut], "{PRACTICES}", "{"+practices.ServiceIDFor("permesso-area-c")+"}", "-1 day", "", "")
	ins(f.personFC[delExpired], "{}", "{}", "-2 days", "-1 day", "")
	ins(f.personFC[delRevoked], "{}", "{}", "-2 days", "", "-1 hour")

	for a, fc := range f.personFC {
		f.tokens[a] = f.mint(t, auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen}})
	}
	f.tokens[anon] = ""
	f.tokens[opComune] = f.mint(t, auth.Claims{Subject: "op-comune", Roles: []string{auth.RoleOperator}, Comuni: []string{f.comune}})
	f.tokens[opOther] = f.mint(t, auth.Claims{Subject: "op-other", Roles: []string{auth.RoleOperator}, Comuni: []string{f.otherComune}})
	f.tokens[admin] = f.mint(t, auth.Claims{Subject: "admin", Roles: []string{auth.RoleAdmin}})
	all := strings.Join(auth.Scopes(), " ")
	// Third-party tokens ask for operator powers too: they must not get them.
	app := func(scope string) string {
		return f.mint(t, auth.Claims{FiscalCode: f.aFC, Roles: []string{auth.RoleCitizen, auth.RoleAdmin}, Comuni: []string{f.comune},
			Scope: scope, AuthorizedParty: "civic-app"})
	}
	f.tokens[appAll] = app(all)
	f.tokens[appNone] = app("")
	for _, s := range auth.Scopes() {
		var rest []string
		for _, o := range auth.Scopes() {
			if o != s {
				rest = append(rest, o)
			}
		}
		f.scopelessApp[s] = app(strings.Join(rest, " "))
	}
	f.tokens[clientCreds] = f.mint(t, auth.Claims{Subject: "civic-app", AuthorizedParty: "civic-app", Scope: all})
	return f
}

// gqlResult is a GraphQL response.
type gqlResult struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// call posts one operation with token (none when "").
func call(t *testing.T, url, token, query string, vars map[string]any) gqlResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
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
	var out gqlResult
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: not JSON (%d): %.300s", url, resp.StatusCode, raw)
	}
	return out
}

// must runs a set-up step through the gateway and fails on any error.
func (f *fixture) must(t *testing.T, actor, query string, vars map[string]any) map[string]json.RawMessage {
	t.Helper()
	r := call(t, f.url+"/graphql", f.tokens[actor], query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("set-up %s as %s: %+v", query, actor, r.Errors)
	}
	return r.Data
}

func field(t *testing.T, data map[string]json.RawMessage, name, key string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data[name], &m); err != nil {
		t.Fatalf("%s: %s", name, data[name])
	}
	s, _ := m[key].(string)
	return s
}

// draft opens a fresh practice of A (the free service, or the paid one)
// and moves it to status through the gateway.
func (f *fixture) draft(t *testing.T, status string) string {
	t.Helper()
	sv := f.freeService
	if status == "PAYMENT_PENDING" {
		sv = f.paidSv
	}
	id := field(t, f.must(t, citizen, `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"serviceId": sv, "comune": f.comune}}), "createPractice", "id")
	steps := map[string][]string{
		"DRAFT":                 nil,
		"PAYMENT_PENDING":       {"submitPractice"},
		"SUBMITTED":             {"submitPractice"},
		"REGISTERED":            {"submitPractice", "registerPractice"},
		"IN_PROGRESS":           {"submitPractice", "registerPractice", "takePracticeInCharge"},
		"INTEGRATION_REQUESTED": {"submitPractice", "registerPractice", "takePracticeInCharge", "requestIntegration"},
	}[status]
	for _, s := range steps {
		who := opComune
		if s == "submitPractice" {
			who = citizen
		}
		args := "(id: $id)"
		if s == "requestIntegration" {
			args = `(id: $id, note: "manca la planimetria")`
		}
		f.must(t, who, fmt.Sprintf(`mutation($id: ID!) { %s%s { id } }`, s, args), map[string]any{"id": id})
	}
	return id
}

// position creates a fresh position of A in the comune as admin,
// published unless draft; it returns the IUPD and the first notice.
func (f *fixture) position(t *testing.T, draft bool) (string, string) {
	t.Helper()
	due := time.Now().UTC().AddDate(0, 2, 0).Format(time.DateOnly)
	iupd := field(t, f.must(t, admin, `mutation($in: CreatePaymentPositionInput!) { createPaymentPosition(input: $in) { iupd } }`,
		map[string]any{"in": map[string]any{"comune": f.comune, "debtorId": f.aID, "debtorFiscalCode": f.aFC, "debtorName": "Debitore",
			"description": "Diritti di segreteria", "installments": []map[string]any{
				{"amountCents": 1650, "description": "Diritti", "dueDate": due, "taxonomyCode": "9/0101101IM/"}}}}),
		"createPaymentPosition", "iupd")
	if draft {
		return iupd, ""
	}
	data := f.must(t, admin, `mutation($i: ID!) { publishPaymentPosition(iupd: $i) { installments { noticeNumber } } }`, map[string]any{"i": iupd})
	var p struct {
		Installments []struct{ NoticeNumber string }
	}
	if err := json.Unmarshal(data["publishPaymentPosition"], &p); err != nil || len(p.Installments) == 0 {
		t.Fatalf("publish: %s", data["publishPaymentPosition"])
	}
	return iupd, p.Installments[0].NoticeNumber
}

// delegationOfA stores a fresh delegation from A to a grantee.
func (f *fixture) delegationOfA(t *testing.T) string {
	t.Helper()
	var id string
	err := f.pool.QueryRow(context.Background(), `insert into identity.delegation (id, delegator_person_id, delegate_id, valid_from)
		select gen_random_uuid(), $1, p.id, now() - interval '1 hour' from identity.person p where p.fiscal_code = $2
		returning id::text`, f.aID, f.grantee()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) grantee() string {
	g := f.grantees[f.nextGrantee%len(f.grantees)]
	f.nextGrantee++
	return g
}

func (f *fixture) key() string {
	f.keys++
	return fmt.Sprintf("matrix-%d-%d", time.Now().UnixNano(), f.keys)
}

// firstEvent opens a subscription over GraphQL-over-SSE and returns the
// first payload (a next event, or the errors the stream ends with).
func firstEvent(t *testing.T, url, token, query string, vars map[string]any) gqlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(resp.Body)
		var out gqlResult
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %d %.300s", url, resp.StatusCode, raw)
		}
		return out
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if d, found := strings.CutPrefix(sc.Text(), "data: "); found && strings.TrimSpace(d) != "" {
			var out gqlResult
			if err := json.Unmarshal([]byte(d), &out); err != nil {
				t.Fatalf("event %q: %v", d, err)
			}
			return out
		}
		if sc.Text() == "event: complete" {
			return gqlResult{}
		}
	}
	t.Fatalf("%s: the stream ended without an event (%v)", url, ctx.Err())
	return gqlResult{}
}
