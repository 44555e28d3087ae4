package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
)

type busPractice struct {
	Practice struct {
		Status   string
		Payments []struct {
			IUPD         string `json:"iupd"`
			Status       string
			Installments []struct {
				NoticeNumber string
				AmountCents  int64
				DueDate      string
				Taxonomy     struct{ Code string }
			}
		}
		History []struct {
			Status string
			Actor  struct{ Kind string }
		}
	}
}

const busPracticeQuery = `query($id: ID!) { practice(id: $id) { status
	payments { iupd status installments { noticeNumber amountCents dueDate taxonomy { code } } }
	history { status actor { kind } } } }`

func readPractice(t *testing.T, url, token, id string) busPractice {
	t.Helper()
	r := postVars(t, url, token, busPracticeQuery, map[string]any{"id": id})
	var out busPractice
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("practice: %s %+v", r.Data, r.Errors)
	}
	return out
}

// eventually polls cond every 20 ms for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustOK(t *testing.T, r gqlResponse, what string) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %+v", what, r.Errors)
	}
}

// TestFeePracticeThroughTheBus: a citizen submits a CIE request (a service
// with a fee) through the gateway; with no manual step the debt position
// appears linked to the practice, paying it submits the practice, the
// operator completes it, and the citizen has exactly one message per step.
// Then the consumers are stopped mid-stream, more practices are submitted
// and paid, the consumers restart as two instances at once: every effect
// exactly once, counted.
func TestFeePracticeThroughTheBus(t *testing.T) {
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 40, Seed: 11})
	url := srv.URL + "/graphql"
	const milano = "015146"
	var personID, fc, cie string
	if err := pool.QueryRow(ctx, `select id::text, fiscal_code from identity.person order by fiscal_code limit 1`).Scan(&personID, &fc); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `select id::text from practices.service where slug = 'carta-identita-elettronica'`).Scan(&cie); err != nil {
		t.Fatal(err)
	}
	// The citizen hears on every channel.
	if _, err := pool.Exec(ctx, `update identity.person set notify_io = true, notify_email = true, email = 'c@example.it' where id = $1`, personID); err != nil {
		t.Fatal(err)
	}
	citizen, err := iss.Token(auth.Claims{FiscalCode: fc, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	operator, err := iss.Token(auth.Claims{Subject: "op-milano", Roles: []string{auth.RoleOperator}, Comuni: []string{milano}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := startConsumers(ctx, pool, subgraphNames(registry()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	id, status := newSubmittedPractice(t, url, citizen, cie, milano, personID)
	if status != "PAYMENT_PENDING" {
		t.Fatalf("a CIE request submitted: %s, want PAYMENT_PENDING", status)
	}
	var pr busPractice
	eventually(t, "the debt position of the practice", func() bool {
		pr = readPractice(t, url, citizen, id)
		return len(pr.Practice.Payments) == 1 && pr.Practice.Payments[0].Status == "VALID"
	})
	in := pr.Practice.Payments[0].Installments
	if len(in) != 1 || in[0].AmountCents != 2221 || in[0].Taxonomy.Code != "9/0104100TS/" || len(in[0].NoticeNumber) != 18 {
		t.Fatalf("the position's notice: %+v; want 22,21 € with the CIE taxonomy", in)
	}
	wantDue := time.Now().In(time.FixedZone("", 0)).AddDate(0, 0, 30)
	if d, _ := time.Parse(time.DateOnly, in[0].DueDate); d.Sub(wantDue).Abs() > 48*time.Hour {
		t.Fatalf("due date %s, want about 30 days from now", in[0].DueDate)
	}
	notice := in[0].NoticeNumber
	mustOK(t, postVars(t, url, citizen, `mutation($n: String!) { payInstallment(noticeNumber: $n, idempotencyKey: "k1", method: CARD) { receipt { receiptId } } }`,
		map[string]any{"n": notice}), "pay")
	eventually(t, "the practice submitted after the payment", func() bool {
		return readPractice(t, url, citizen, id).Practice.Status == "SUBMITTED"
	})
	for _, m := range []string{"registerPractice", "takePracticeInCharge", "completePractice"} {
		mustOK(t, postVars(t, url, operator, fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { status } }`, m), map[string]any{"id": id}), m)
	}
	wantSubjects := []string{
		"Domanda ricevuta, in attesa di pagamento: Carta d'identità elettronica (CIE)",
		"Avviso di pagamento: Pratica: Carta d'identità elettronica (CIE)",
		"Domanda presentata: Carta d'identità elettronica (CIE)",
		"Pratica protocollata: Carta d'identità elettronica (CIE)",
		"Pratica presa in carico: Carta d'identità elettronica (CIE)",
		"Pratica conclusa: Carta d'identità elettronica (CIE)",
	}
	type msgs struct {
		Me struct {
			Messages struct {
				Nodes []struct {
					Subject, Markdown   string
					PaymentNoticeNumber *string
					Practice            *struct{ ID string }
				}
			}
		}
	}
	var got []string
	eventually(t, "six messages", func() bool {
		r := postVars(t, url, citizen, `{ me { messages(first: 100) { nodes { subject markdown paymentNoticeNumber practice { id } } } } }`, nil)
		var m msgs
		if len(r.Errors) > 0 || json.Unmarshal(r.Data, &m) != nil {
			t.Fatalf("messages: %s %+v", r.Data, r.Errors)
		}
		got = got[:0]
		for _, n := range m.Me.Messages.Nodes {
			if n.Practice != nil && n.Practice.ID == id {
				got = append([]string{n.Subject}, got...) // newest first → oldest first
				if n.PaymentNoticeNumber != nil && *n.PaymentNoticeNumber != notice {
					t.Fatalf("the notice message names %s, want %s", *n.PaymentNoticeNumber, notice)
				}
			}
		}
		return len(got) >= len(wantSubjects)
	})
	time.Sleep(300 * time.Millisecond) // one poll more: nothing arrives twice late
	var n int
	if err := pool.QueryRow(ctx, `select count(*) from identity.message where practice_id = $1`, id).Scan(&n); err != nil || n != len(wantSubjects) {
		t.Fatalf("%d messages for the practice (%v), want %d: %q", n, err, len(wantSubjects), got)
	}
	// The messages of one producer arrive in its order; the notice to pay
	// (from payments) and the status changes (from practices) come from two
	// producers, so only the status messages are compared in order, and all
	// of them as a multiset.
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(wantSubjects))) {
		t.Fatalf("messages %q, want %q in any interleaving of the producers", got, wantSubjects)
	}
	isNotice := func(s string) bool { return strings.HasPrefix(s, "Avviso di pagamento") }
	if g, w := slices.DeleteFunc(slices.Clone(got), isNotice), slices.DeleteFunc(slices.Clone(wantSubjects), isNotice); !slices.Equal(g, w) {
		t.Fatalf("status messages %q, want %q in this order", g, w)
	}
	var channels []string
	if err := pool.QueryRow(ctx, `select channels from identity.message where practice_id = $1 limit 1`, id).Scan(&channels); err != nil ||
		fmt.Sprint(channels) != "[IO EMAIL]" {
		t.Fatalf("channels %v (%v), want the citizen's preferences [IO EMAIL]", channels, err)
	}
	h := readPractice(t, url, citizen, id).Practice.History
	if len(h) != 6 || h[2].Status != "SUBMITTED" || h[2].Actor.Kind != "SYSTEM" {
		t.Fatalf("history %+v: want the payment system to submit the practice, once", h)
	}

	// Kill and restart mid-stream: consumers stopped, 6 practices submitted
	// (their positions and messages wait), then two instances at once.
	stop()
	var ids []string
	for range 6 {
		pid, st := newSubmittedPractice(t, url, citizen, cie, milano, personID)
		if st != "PAYMENT_PENDING" {
			t.Fatal(st)
		}
		ids = append(ids, pid)
	}
	if err := pool.QueryRow(ctx, `select count(*) from payments.positions where practice_id = any($1)`, ids).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d positions while the consumers are down (%v)", n, err)
	}
	stopA, err := startConsumers(ctx, pool, subgraphNames(registry()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopA)
	stopB, err := startConsumers(ctx, pool, subgraphNames(registry()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopB)
	for k, pid := range ids {
		var p busPractice
		eventually(t, "a position after the restart", func() bool {
			p = readPractice(t, url, citizen, pid)
			return len(p.Practice.Payments) == 1 && p.Practice.Payments[0].Status == "VALID"
		})
		if k == 3 {
			stopA() // one instance dies in the middle of the payments
		}
		mustOK(t, postVars(t, url, citizen, `mutation($n: String!, $k: String!) { payInstallment(noticeNumber: $n, idempotencyKey: $k, method: CARD) { receipt { receiptId } } }`,
			map[string]any{"n": p.Practice.Payments[0].Installments[0].NoticeNumber, "k": "k-" + pid}), "pay")
	}
	for _, pid := range ids {
		eventually(t, "submitted after the restart", func() bool { return readPractice(t, url, citizen, pid).Practice.Status == "SUBMITTED" })
	}
	eventually(t, "three messages per practice", func() bool {
		_ = pool.QueryRow(ctx, `select count(*) from identity.message where practice_id = any($1)`, ids).Scan(&n)
		return n >= 3*len(ids)
	})
	time.Sleep(300 * time.Millisecond)
	var positions, submitted, messages, applied int
	if err := pool.QueryRow(ctx, `select (select count(*) from payments.positions where practice_id = any($1)),
		(select count(*) from practices.status_change where practice_id = any($1::uuid[]) and status = 'SUBMITTED'),
		(select count(*) from identity.message where practice_id = any($1::uuid[]))`, ids).Scan(&positions, &submitted, &messages); err != nil {
		t.Fatal(err)
	}
	if positions != 6 || submitted != 6 || messages != 18 {
		t.Fatalf("after a restart and two instances: %d positions, %d submissions, %d messages; want 6, 6, 18", positions, submitted, messages)
	}
	if err := pool.QueryRow(ctx, `select count(*) from payments.bus_applied where error is not null`).Scan(&applied); err != nil || applied != 0 {
		t.Fatalf("%d events refused (%v)", applied, err)
	}
	t.Logf("exactly once after restart with two instances: %d positions, %d submissions, %d messages for %d practices", positions, submitted, messages, len(ids))
}

// TestFeeReminderAndExpiry: an unpaid CIE fee is reminded once near its due
// date and, past it, expires and withdraws the practice; the citizen and
// their delegate for messages get one message per step (the delegate's
// copy says on whose behalf), a delegate for payments only gets none.
func TestFeeReminderAndExpiry(t *testing.T) {
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 40, Seed: 12})
	url := srv.URL + "/graphql"
	const milano = "015146"
	var ids, fcs []string
	rows, err := pool.Query(ctx, `select id::text, fiscal_code from identity.person order by fiscal_code limit 3`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, fc string
		if err := rows.Scan(&id, &fc); err != nil {
			t.Fatal(err)
		}
		ids, fcs = append(ids, id), append(fcs, fc)
	}
	var cie string
	if err := pool.QueryRow(ctx, `select id::text from practices.service where slug = 'carta-identita-elettronica'`).Scan(&cie); err != nil {
		t.Fatal(err)
	}
	// ids[1] holds a delegation for messages, ids[2] one for payments only.
	if _, err := pool.Exec(ctx, `delete from identity.delegation where delegator_person_id = $1 or delegate_id = any($2::uuid[])`, ids[0], ids[1:]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `insert into identity.delegation (id, delegator_person_id, delegate_id, valid_from, areas) values
		(gen_random_uuid(), $1, $2, now() - interval '1 day', '{MESSAGES}'),
		(gen_random_uuid(), $1, $3, now() - interval '1 day', '{PAYMENTS}')`, ids[0], ids[1], ids[2]); err != nil {
		t.Fatal(err)
	}
	citizen, err := iss.Token(auth.Claims{FiscalCode: fcs[0], Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := startConsumers(ctx, pool, subgraphNames(registry()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	id, _ := newSubmittedPractice(t, url, citizen, cie, milano, ids[0])
	var pr busPractice
	eventually(t, "the debt position", func() bool {
		pr = readPractice(t, url, citizen, id)
		return len(pr.Practice.Payments) == 1 && pr.Practice.Payments[0].Status == "VALID"
	})
	due, err := time.Parse(time.DateOnly, pr.Practice.Payments[0].Installments[0].DueDate)
	if err != nil {
		t.Fatal(err)
	}
	store := payments.NewStore(pool)
	for k, want := range []int{1, 0} { // reminded once, not twice
		if r, _, err := store.Sweep(ctx, due.AddDate(0, 0, -2), 100); err != nil || r != want {
			t.Fatalf("sweep %d two days before the due date: %d reminders (%v), want %d", k, r, err, want)
		}
	}
	if _, x, err := store.Sweep(ctx, due.AddDate(0, 0, 1), 100); err != nil || x != 1 {
		t.Fatalf("sweep after the due date: %d expired (%v), want 1", x, err)
	}
	eventually(t, "the practice withdrawn", func() bool { return readPractice(t, url, citizen, id).Practice.Status == "WITHDRAWN" })
	count := func(person string) int {
		var n int
		if err := pool.QueryRow(ctx, `select count(*) from identity.message where practice_id = $1 and recipient_id = $2`, id, person).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// PAYMENT_PENDING, the notice, the reminder, WITHDRAWN.
	eventually(t, "four messages each", func() bool { return count(ids[0]) >= 4 && count(ids[1]) >= 4 })
	time.Sleep(300 * time.Millisecond)
	if a, d, p := count(ids[0]), count(ids[1]), count(ids[2]); a != 4 || d != 4 || p != 0 {
		t.Fatalf("messages: citizen %d, delegate for messages %d, delegate for payments %d; want 4, 4, 0", a, d, p)
	}
	var subject string
	if err := pool.QueryRow(ctx, `select subject from identity.message where recipient_id = $1 and subject like 'Per %Promemoria%'`, ids[1]).Scan(&subject); err != nil {
		t.Fatalf("the delegate's reminder: %v", err)
	}
	h := readPractice(t, url, citizen, id).Practice.History
	if last := h[len(h)-1]; last.Status != "WITHDRAWN" || last.Actor.Kind != "SYSTEM" {
		t.Fatalf("history %+v: want the payment system to withdraw it", h)
	}
}
