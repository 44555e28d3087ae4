package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

var migration = db.Migration{Schema: "payments", Files: payments.Migrations()}

// identityMigration and practicesMigration: the payments subgraph consults
// the identity registry (delegations, and the debtors operators name) and
// the practices positions are attached to.
var (
	identityMigration  = db.Migration{Schema: identity.Schema, Files: identity.Migrations()}
	practicesMigration = practices.Migration()
)

// mario is the registered debtor of the HTTP flow, with a practice in
// Milano.
const (
	marioID         = "5a1e0000-0000-4000-8000-000000000001"
	marioPracticeID = "5a1e0000-0000-4000-8000-0000000000a1"
)

func registerMario(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `insert into identity.person (id, fiscal_code, given_name, family_name, sex,
		birth_date, birthplace_istat, birthplace_name, birthplace_province, birthplace_cadastral, registry_verified_at)
		values ($1, 'RSSMRA80A01F205X', 'Mario', 'Rossi', 'M', '1980-01-01', '015146', 'Milano', 'MI', 'F205', now())`, marioID)
	if err != nil {
		t.Fatal(err)
	}
	if err := practices.Seed(context.Background(), pool, seedgen.Params{People: 0, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(context.Background(), `insert into practices.practice
		(id, service_id, applicant_id, applicant_fiscal_code, comune, status, created_at, updated_at)
		values ($1, $2, $3, 'RSSMRA80A01F205X', '015146', 'PAYMENT_PENDING', now(), now())`,
		marioPracticeID, practices.ServiceIDFor("carta-identita-elettronica"), marioID)
	if err != nil {
		t.Fatal(err)
	}
}

// withTestPrincipal authenticates requests from the X-Test-Principal
// header (a JSON auth.Principal), standing in for auth.Middleware.
func withTestPrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("X-Test-Principal"); h != "" {
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

// countingWait is the loader window of the tests that count SQL queries:
// long enough that a saturated machine still gathers every sibling
// resolver into one batch, so the counts are exact.
const countingWait = 100 * time.Millisecond

func newServer(t testing.TB, pool *pgxpool.Pool, loaderWait time.Duration) (*httptest.Server, *payments.Sandbox) {
	t.Helper()
	psp := payments.NewSandbox()
	srv := httptest.NewServer(withTestPrincipal(NewHandlerWithPSP(pool, psp, gqlserver.Options{LoaderWait: loaderWait})))
	t.Cleanup(srv.Close)
	return srv, psp
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

func (r response) code(i int) string {
	if i >= len(r.Errors) {
		return ""
	}
	c, _ := r.Errors[i].Extensions["code"].(string)
	return c
}

func post(t testing.TB, srv *httptest.Server, p *auth.Principal, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if p != nil {
		h, _ := json.Marshal(p)
		req.Header.Set("X-Test-Principal", string(h))
	}
	res, err := srv.Client().Do(req)
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

func decode(t testing.TB, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

var (
	admin    = &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}
	opMilano = &auth.Principal{FirstParty: true, Subject: "op", FiscalCode: "VRDLGU70A01F205Z", Roles: []string{auth.RoleOperator}, Comuni: []string{"015146"}}
)

type seeded struct {
	iupds     []string
	people    []string
	practices []string
}

func seedSmall(t testing.TB, pool *pgxpool.Pool) seeded {
	t.Helper()
	ctx := context.Background()
	if err := payments.Seed(ctx, pool, seedgen.Params{People: 300, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	var s seeded
	rows, err := pool.Query(ctx, `select iupd, debtor_id, coalesce(practice_id, '') from payments.positions order by iupd`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var iupd, person, practice string
		if err := rows.Scan(&iupd, &person, &practice); err != nil {
			t.Fatal(err)
		}
		s.iupds = append(s.iupds, iupd)
		s.people = append(s.people, person)
		if practice != "" {
			s.practices = append(s.practices, practice)
		}
	}
	return s
}

const entitiesQuery = `query($r: [_Any!]!) { _entities(representations: $r) {
	__typename
	... on PaymentPosition { iupd status totalCents debtor { id } comune { istatCode } }
	... on Person { id }
	... on Practice { id }
} }`

func TestEntitiesBatch(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration, identityMigration, practicesMigration)
	s := seedSmall(t, pool)
	srv, _ := newServer(t, pool, countingWait)

	// 100 mixed representations: positions, people, practices, one missing IUPD.
	var reps []map[string]any
	var want []string // typename:key
	for i := 0; len(reps) < 100; i++ {
		switch {
		case len(reps) == 37:
			reps = append(reps, map[string]any{"__typename": "PaymentPosition", "iupd": "99015146998-does-not-exist"})
			want = append(want, "missing")
		case i%5 == 1:
			reps = append(reps, map[string]any{"__typename": "Person", "id": s.people[i]})
			want = append(want, "Person:"+s.people[i])
		case i%5 == 3:
			reps = append(reps, map[string]any{"__typename": "Practice", "id": s.practices[i]})
			want = append(want, "Practice:"+s.practices[i])
		default:
			reps = append(reps, map[string]any{"__typename": "PaymentPosition", "iupd": s.iupds[len(s.iupds)-1-i]})
			want = append(want, "PaymentPosition:"+s.iupds[len(s.iupds)-1-i])
		}
	}
	qc.Reset()
	res := post(t, srv, admin, entitiesQuery, map[string]any{"r": reps})
	if n := qc.Count(); n != 1 {
		t.Errorf("_entities cost %d queries, want 1: %q", n, qc.Queries())
	}
	var data struct {
		Entities []*struct {
			Typename string `json:"__typename"`
			IUPD     string `json:"iupd"`
			ID       string `json:"id"`
			Status   string `json:"status"`
			Total    int64  `json:"totalCents"`
			Debtor   *struct{ ID string }
			Comune   *struct{ IstatCode string }
		} `json:"_entities"`
	}
	decode(t, res, &data)
	if len(data.Entities) != 100 {
		t.Fatalf("%d entities", len(data.Entities))
	}
	for i, e := range data.Entities {
		if want[i] == "missing" {
			if e != nil {
				t.Fatalf("missing IUPD resolved to %+v", e)
			}
			continue
		}
		if e == nil {
			t.Fatalf("entity %d is null: %v", i, res.Errors)
		}
		key := e.ID
		if e.Typename == "PaymentPosition" {
			key = e.IUPD
			if e.Status == "" || e.Total <= 0 || e.Debtor == nil || e.Debtor.ID == "" || len(e.Comune.IstatCode) != 6 {
				t.Fatalf("position %d incomplete: %+v", i, e)
			}
		}
		if got := e.Typename + ":" + key; got != want[i] {
			t.Fatalf("entity %d = %s, want %s (order lost)", i, got, want[i])
		}
	}
	if len(res.Errors) != 1 || res.code(0) != "NOT_FOUND" || fmt.Sprint(res.Errors[0].Path) != "[_entities 37]" {
		t.Fatalf("errors = %+v, want one NOT_FOUND at [_entities 37]", res.Errors)
	}

	// Nested installments: one more query for the whole batch.
	qc.Reset()
	res = post(t, srv, admin, `query($r: [_Any!]!) { _entities(representations: $r) {
		... on PaymentPosition { iupd installments { noticeNumber amountCents taxonomy { code } receipt { receiptId } } } } }`,
		map[string]any{"r": reps})
	if n := qc.Count(); n != 2 {
		t.Errorf("_entities with installments cost %d queries, want 2: %q", n, qc.Queries())
	}
	if len(res.Errors) != 1 {
		t.Fatalf("errors: %+v", res.Errors)
	}

	// Person.payments and Practice.payments for a batch of stubs.
	var people, practices []map[string]any
	for i := 0; i < 30; i++ {
		people = append(people, map[string]any{"__typename": "Person", "id": s.people[i*3]})
		practices = append(practices, map[string]any{"__typename": "Practice", "id": s.practices[i]})
	}
	qc.Reset()
	res = post(t, srv, admin, `query($r: [_Any!]!) { _entities(representations: $r) {
		... on Person { id payments(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { iupd debtor { id } } } } } }`,
		map[string]any{"r": people})
	if n := qc.Count(); n != 2 {
		t.Errorf("Person.payments for 30 people cost %d queries, want 2 (count + page): %q", n, qc.Queries())
	}
	var pdata struct {
		Entities []struct {
			ID       string
			Payments struct {
				TotalCount int
				Nodes      []struct {
					IUPD   string
					Debtor struct{ ID string }
				}
			}
		} `json:"_entities"`
	}
	decode(t, res, &pdata)
	for i, e := range pdata.Entities {
		if e.ID != s.people[i*3] || e.Payments.TotalCount < 1 || len(e.Payments.Nodes) == 0 {
			t.Fatalf("person %d: %+v (%v)", i, e, res.Errors)
		}
		for _, n := range e.Payments.Nodes {
			if n.Debtor.ID != e.ID {
				t.Fatalf("person %s got position of %s", e.ID, n.Debtor.ID)
			}
		}
	}
	qc.Reset()
	res = post(t, srv, admin, `query($r: [_Any!]!) { _entities(representations: $r) {
		... on Practice { id payments { iupd practice { id } } } } }`, map[string]any{"r": practices})
	if n := qc.Count(); n != 1 {
		t.Errorf("Practice.payments for 30 practices cost %d queries, want 1", n)
	}
	var prdata struct {
		Entities []struct {
			ID       string
			Payments []struct {
				IUPD     string
				Practice struct{ ID string }
			}
		} `json:"_entities"`
	}
	decode(t, res, &prdata)
	for i, e := range prdata.Entities {
		if len(e.Payments) != 1 || e.Payments[0].Practice.ID != s.practices[i] {
			t.Fatalf("practice %d: %+v (%v)", i, e, res.Errors)
		}
	}

	// Visibility: a citizen resolving others' positions gets NOT_FOUND per
	// index, as for unknown ones.
	res = post(t, srv, &auth.Principal{FirstParty: true, Subject: "x", FiscalCode: "BNCGNN85T10F205K", Roles: []string{auth.RoleCitizen}},
		entitiesQuery, map[string]any{"r": reps[:3]})
	if len(res.Errors) == 0 || res.code(0) != "NOT_FOUND" {
		t.Fatalf("citizen resolving others' positions: %+v", res.Errors)
	}
	res = post(t, srv, nil, entitiesQuery, map[string]any{"r": reps[:3]})
	if len(res.Errors) == 0 || res.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous _entities: %+v", res.Errors)
	}
}

func TestPaymentFlowOverHTTP(t *testing.T) {
	pool := devdb.NewTestDB(t, migration, identityMigration, practicesMigration)
	registerMario(t, pool)
	cs, _ := payments.Creditors()
	if err := payments.NewStore(pool).EnsureCreditors(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	srv, psp := newServer(t, pool, 0)
	due := time.Now().UTC().AddDate(0, 2, 0).Format(time.DateOnly)
	input := map[string]any{
		"comune": "015146", "debtorId": marioID, "debtorFiscalCode": "RSSMRA80A01F205X",
		"debtorName": "Mario Rossi", "practiceId": marioPracticeID, "description": "Carta d'identità elettronica",
		"installments": []map[string]any{{"amountCents": 2222, "description": "Corrispettivo CIE", "dueDate": due, "taxonomyCode": "9/0101101IM/"}},
	}
	create := `mutation($in: CreatePaymentPositionInput!) { createPaymentPosition(input: $in) { iupd status creditor { fiscalCode name } } }`
	res := post(t, srv, &auth.Principal{FirstParty: true, Subject: "c", FiscalCode: "RSSMRA80A01F205X", Roles: []string{auth.RoleCitizen}}, create, map[string]any{"in": input})
	if res.code(0) != "FORBIDDEN" {
		t.Fatalf("citizen create: %+v", res.Errors)
	}
	res = post(t, srv, nil, create, map[string]any{"in": input})
	if res.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous create: %+v", res.Errors)
	}
	bad := map[string]any{}
	for k, v := range input {
		bad[k] = v
	}
	bad["installments"] = []map[string]any{{"amountCents": 0, "description": "x", "dueDate": due, "taxonomyCode": "9/0101101IM/"}}
	res = post(t, srv, opMilano, create, map[string]any{"in": bad})
	if res.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("zero amount: %+v", res.Errors)
	}
	// The practice must be the debtor's, in the comune; the debtor one
	// registered person.
	for name, change := range map[string]map[string]any{
		"unknown practice":           {"practiceId": "5a1e0000-0000-4000-8000-0000000000ff"},
		"practice of another comune": {"comune": "015182"},
		"another debtor":             {"debtorFiscalCode": "BNCGNN85T10F205K"},
		"unregistered debtor id":     {"debtorId": "5a1e0000-0000-4000-8000-000000000002"},
	} {
		in := map[string]any{}
		for k, v := range input {
			in[k] = v
		}
		for k, v := range change {
			in[k] = v
		}
		res = post(t, srv, admin, create, map[string]any{"in": in})
		if res.code(0) != "BAD_USER_INPUT" {
			t.Fatalf("%s: %+v", name, res.Errors)
		}
	}
	res = post(t, srv, opMilano, create, map[string]any{"in": input})
	var created struct {
		CreatePaymentPosition struct {
			IUPD     string
			Status   string
			Creditor struct{ FiscalCode, Name string }
		}
	}
	decode(t, res, &created)
	if len(res.Errors) > 0 || created.CreatePaymentPosition.Status != "DRAFT" || created.CreatePaymentPosition.Creditor.Name != "Comune di Milano" {
		t.Fatalf("create: %s %+v", res.Data, res.Errors)
	}
	iupd := created.CreatePaymentPosition.IUPD
	res = post(t, srv, opMilano, `mutation($i: ID!) { publishPaymentPosition(iupd: $i) { status installments { noticeNumber iuv qrCodePayload status } } }`,
		map[string]any{"i": iupd})
	var published struct {
		PublishPaymentPosition struct {
			Status       string
			Installments []struct{ NoticeNumber, IUV, QRCodePayload, Status string }
		}
	}
	decode(t, res, &published)
	pp := published.PublishPaymentPosition
	if len(res.Errors) > 0 || pp.Status != "VALID" || len(pp.Installments) != 1 || !payments.ValidNoticeNumber(pp.Installments[0].NoticeNumber) {
		t.Fatalf("publish: %s %+v", res.Data, res.Errors)
	}
	notice := pp.Installments[0].NoticeNumber
	if want := "PAGOPA|002|" + notice + "|" + created.CreatePaymentPosition.Creditor.FiscalCode + "|2222"; pp.Installments[0].QRCodePayload != want {
		t.Fatalf("qr payload %q, want %q", pp.Installments[0].QRCodePayload, want)
	}
	pay := `mutation($n: String!, $k: String!, $fc: String) { payInstallment(noticeNumber: $n, idempotencyKey: $k, method: CARD, debtorFiscalCode: $fc) {
		replayed receipt { receiptId pspName method amountCents feeCents } installment { status position { status paidCents } } } }`
	payer := &auth.Principal{FirstParty: true, Subject: "payer", FiscalCode: "BNCGNN85T10F205K", Roles: []string{auth.RoleCitizen}}
	var paid [2]struct {
		PayInstallment struct {
			Replayed bool
			Receipt  struct {
				ReceiptID   string
				AmountCents int64
			}
			Installment struct {
				Status   string
				Position *struct{ Status string }
			}
		}
	}
	for i := range paid {
		res = post(t, srv, payer, pay, map[string]any{"n": notice, "k": "retry-me", "fc": "RSSMRA80A01F205X"})
		decode(t, res, &paid[i])
		// The payer is not the debtor: the receipt is theirs, the position is not.
		if len(res.Errors) != 0 || paid[i].PayInstallment.Installment.Position != nil {
			t.Fatalf("pay %d: %s %+v", i, res.Data, res.Errors)
		}
	}
	if paid[0].PayInstallment.Replayed || !paid[1].PayInstallment.Replayed ||
		paid[0].PayInstallment.Receipt.ReceiptID != paid[1].PayInstallment.Receipt.ReceiptID ||
		paid[0].PayInstallment.Receipt.AmountCents != 2222 || paid[0].PayInstallment.Installment.Status != "PAID" {
		t.Fatalf("payments: %+v", paid)
	}
	if len(psp.Charges()) != 1 {
		t.Fatalf("charges = %d, want 1", len(psp.Charges()))
	}
	if res = post(t, srv, payer, pay, map[string]any{"n": notice, "k": "without-fc"}); res.code(0) != "NOT_FOUND" {
		t.Fatalf("paying without the debtor's fiscal code: %+v", res.Errors)
	}
	res = post(t, srv, payer, pay, map[string]any{"n": notice, "k": "another", "fc": "RSSMRA80A01F205X"})
	if res.code(0) != "CONFLICT" {
		t.Fatalf("paying a paid notice: %+v", res.Errors)
	}
	// The debtor sees the paid position through the query and Person.payments.
	debtor := &auth.Principal{FirstParty: true, Subject: "d", FiscalCode: "RSSMRA80A01F205X", Roles: []string{auth.RoleCitizen}}
	res = post(t, srv, debtor, `query($i: ID!, $n: String!) { paymentPosition(iupd: $i) { status paidCents totalCents practice { id } }
		installment(noticeNumber: $n) { status receipt { method } }
		missing: paymentPosition(iupd: "none") { iupd } }`, map[string]any{"i": iupd, "n": notice})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"status":"PAID","paidCents":2222,"totalCents":2222,"practice":{"id":"`+marioPracticeID+`"}`) ||
		!strings.Contains(string(res.Data), `"missing":null`) {
		t.Fatalf("debtor query: %s %+v", res.Data, res.Errors)
	}
	res = post(t, srv, debtor, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { payments(status: PAID) { totalCount nodes { iupd } } } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Person", "id": marioID}}})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"totalCount":1,"nodes":[{"iupd":"`+iupd+`"}]`) {
		t.Fatalf("Person.payments: %s %+v", res.Data, res.Errors)
	}
	res = post(t, srv, debtor, `{ _entities(representations: [{__typename: "Person", id: "`+marioID+`"}]) { ... on Person { payments(first: 0) { totalCount } } } }`, nil)
	if res.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("first: 0: %+v", res.Errors)
	}
	res = post(t, srv, debtor, `{ _entities(representations: [{__typename: "Person", id: "`+marioID+`"}]) { ... on Person { payments(after: "%%%") { totalCount } } } }`, nil)
	if res.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor: %+v", res.Errors)
	}
	res = post(t, srv, nil, `{ paymentTaxonomy(macroArea: "TRIBUTI") { code } _service { sdl } }`, nil)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `9/0101101IM/`) || !strings.Contains(string(res.Data), `PaymentPosition @key(fields: \"iupd\")`) {
		t.Fatalf("taxonomy and sdl: %.300s %+v", res.Data, res.Errors)
	}
}

func BenchmarkEntities100(b *testing.B) {
	pool := devdb.NewTestDB(b, migration, identityMigration, practicesMigration)
	s := seedSmall(b, pool)
	srv, _ := newServer(b, pool, 0)
	reps := make([]map[string]any, 100)
	for i := range reps {
		reps[i] = map[string]any{"__typename": "PaymentPosition", "iupd": s.iupds[i*len(s.iupds)/100]}
	}
	body, _ := json.Marshal(map[string]any{"query": entitiesQuery, "variables": map[string]any{"r": reps}})
	h, _ := json.Marshal(admin)
	client := srv.Client()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-Principal", string(h))
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out response
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			b.Fatalf("%v %+v", err, out.Errors)
		}
		res.Body.Close()
	}
}
