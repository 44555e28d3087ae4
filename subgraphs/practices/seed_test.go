package practices_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

func TestSeedFollowsPlanAndLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	params := seedgen.Params{People: 400, Seed: 7}
	// A practice filed through the API must survive reseeding.
	own := e.practiceIn(t, practices.StatusRegistered)
	for range 2 { // twice: reseeding replaces the generated data
		if err := practices.Seed(ctx, e.pool, params); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	// The outbox mirrors every practice's history, in order, with each
	// event's previous status — once, however often the seed ran — so a
	// subscriber replays a seeded timeline like a live one.
	var events, mismatched int
	if err := e.pool.QueryRow(ctx, `select (select count(*) from practices.status_event),
		(with h as (select practice_id, status, row_number() over (partition by practice_id order by at, id) n
				from practices.status_change),
			ev as (select practice_id, status, previous_status,
				coalesce(lag(status) over (partition by practice_id order by id), '') prev,
				row_number() over (partition by practice_id order by id) n from practices.status_event)
		select count(*) from h full join ev using (practice_id, n)
		where h.status is distinct from ev.status or ev.previous_status is distinct from ev.prev)`).Scan(&events, &mismatched); err != nil {
		t.Fatal(err)
	}
	var changes int
	if err := e.pool.QueryRow(ctx, `select count(*) from practices.status_change`).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	if events != changes || mismatched != 0 || changes < 400 {
		t.Fatalf("outbox: %d events for %d history rows, %d out of step", events, changes, mismatched)
	}

	places, err := seedgen.LoadPlaces()
	if err != nil {
		t.Fatal(err)
	}
	cards := map[string]practices.ServiceCard{}
	for _, c := range practices.Catalogue() {
		cards[c.ID] = c
	}
	planned := map[string]seedgen.Practice{}
	if err := params.Practices(places.Metro, func(p seedgen.Practice) error { planned[p.ID] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `select count(*) from practices.practice where generated`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(planned) {
		t.Fatalf("%d generated practices, planned %d", n, len(planned))
	}
	if _, err := e.svc.Practice(as(alice()), own.ID); err != nil {
		t.Fatalf("own practice lost by reseed: %v", err)
	}

	rows, err := e.pool.Query(ctx, `select id::text, service_id::text, applicant_id::text, applicant_fiscal_code, comune,
		status, coalesce(protocol_number, ''), submitted_at, due_by, decided_at from practices.practice where generated`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, service, applicant, fc, comune, status, proto string
		submitted, due, decided                           *time.Time
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.service, &r.applicant, &r.fc, &r.comune, &r.status, &r.proto, &r.submitted, &r.due, &r.decided); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	ids := make([]string, len(all))
	for i, r := range all {
		ids[i] = r.id
	}
	history, err := e.svc.History(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	protoRE := regexp.MustCompile(`^\d{6}/20\d\d/\d{7}$`)
	protos := map[string]bool{}
	byStatus := map[string]int{}
	late := 0
	for i, r := range all {
		plan, ok := planned[r.id]
		if !ok {
			t.Fatalf("practice %s not in the plan", r.id)
		}
		card := cards[r.service]
		person := params.Person(places, plan.Person)
		switch {
		case r.applicant != person.ID || r.fc != person.FiscalCode:
			t.Fatalf("%s: applicant %s/%s, want %s/%s", r.id, r.applicant, r.fc, person.ID, person.FiscalCode)
		case r.comune != plan.Comune:
			t.Fatalf("%s: comune %s, want %s", r.id, r.comune, plan.Comune)
		case card.RequiresPayment != plan.HasPayment:
			t.Fatalf("%s: service %s requiresPayment=%v, plan HasPayment=%v", r.id, card.Slug, card.RequiresPayment, plan.HasPayment)
		case !card.OfferedIn(r.comune):
			t.Fatalf("%s: %s not offered in %s", r.id, card.Slug, r.comune)
		}
		h := history[i]
		if len(h) == 0 || h[0].Status != practices.StatusDraft || !h[0].At.Equal(plan.CreatedAt) {
			t.Fatalf("%s: history must start with DRAFT at creation: %+v", r.id, h)
		}
		for k := 1; k < len(h); k++ {
			if !legalStep(h[k-1].Status, h[k].Status, card.RequiresPayment) {
				t.Fatalf("%s: illegal step %s → %s", r.id, h[k-1].Status, h[k].Status)
			}
			if h[k].At.Before(h[k-1].At) {
				t.Fatalf("%s: history out of order", r.id)
			}
		}
		if string(h[len(h)-1].Status) != r.status {
			t.Fatalf("%s: status %s but history ends in %s", r.id, r.status, h[len(h)-1].Status)
		}
		registered := false
		for _, c := range h {
			registered = registered || c.Status == practices.StatusRegistered
		}
		if registered != (r.proto != "") || (r.proto != "" && !protoRE.MatchString(r.proto)) || protos[r.proto] {
			t.Fatalf("%s: protocol %q (registered %v)", r.id, r.proto, registered)
		}
		if r.proto != "" {
			protos[r.proto] = true
		}
		if r.submitted != nil && !r.due.Equal(r.submitted.AddDate(0, 0, card.MaxDays)) {
			t.Fatalf("%s: dueBy %v, submitted %v + %d days", r.id, r.due, r.submitted, card.MaxDays)
		}
		if r.decided != nil && r.decided.After(*r.due) {
			late++
		}
		byStatus[r.status]++
	}
	for _, s := range []string{"DRAFT", "PAYMENT_PENDING", "IN_PROGRESS", "COMPLETED", "REJECTED", "WITHDRAWN", "INTEGRATION_REQUESTED"} {
		if byStatus[s] == 0 {
			t.Errorf("no generated practice in %s: %v", s, byStatus)
		}
	}
	if byStatus["COMPLETED"] < len(all)/2 || late == 0 {
		t.Errorf("want most completed and some late: %v, late %d", byStatus, late)
	}
	var docs, badDocs int
	if err := e.pool.QueryRow(ctx, `select count(*), count(*) filter (where n > 3) from
		(select practice_id, count(*) n from practices.document group by 1) d`).Scan(&docs, &badDocs); err != nil {
		t.Fatal(err)
	}
	if docs == 0 || badDocs != 0 {
		t.Fatalf("%d practices with documents, %d with more than 3", docs, badDocs)
	}
	// The protocol register continues after the generated numbers.
	registered := e.practiceIn(t, practices.StatusSubmitted)
	registered = e.act(t, operatorOf(milan), registered.ID, practices.ActionRegister)
	if protos[registered.ProtocolNumber] {
		t.Fatalf("new protocol number %s collides with a generated one", registered.ProtocolNumber)
	}
}

// legalStep reports whether the lifecycle allows from → to.
func legalStep(from, to practices.Status, paid bool) bool {
	if from == practices.StatusDraft && to == practices.StatusSubmitted {
		return !paid
	}
	if from == practices.StatusDraft && to == practices.StatusPaymentPending {
		return paid
	}
	for _, want := range legal[from] {
		if want == to {
			return true
		}
	}
	return false
}

func BenchmarkSeed(b *testing.B) {
	for _, people := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(people), func(b *testing.B) {
			pool := devdb.NewTestDB(b, practices.Migration())
			ctx := context.Background()
			for b.Loop() {
				if err := practices.Seed(ctx, pool, seedgen.Params{People: people, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
			var n, h int
			if err := pool.QueryRow(ctx, `select (select count(*) from practices.practice), (select count(*) from practices.status_change)`).Scan(&n, &h); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n), "practices")
			b.ReportMetric(float64(h), "history-rows")
		})
	}
}

func TestSeedRestoresIndexesAndForeignKeys(t *testing.T) {
	ctx := context.Background()
	pool := devdb.NewTestDB(t, practices.Migration())
	schema := func() []string {
		rows, err := pool.Query(ctx, `select indexdef from pg_indexes where schemaname = 'practices'
			union all select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
			where connamespace = 'practices'::regnamespace order by 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	before := schema()
	if err := practices.Seed(ctx, pool, seedgen.Params{People: 50, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	after := schema()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("schema changed by the seed:\nbefore %v\nafter  %v", before, after)
	}
	if len(after) < 10 {
		t.Fatalf("suspiciously few indexes and constraints: %v", after)
	}
	// The foreign keys are enforced again.
	_, err := pool.Exec(ctx, `insert into practices.status_change (practice_id, status, at, actor_kind)
		values ('00000000-0000-4000-8000-000000000000', 'DRAFT', now(), 'SYSTEM')`)
	if err == nil {
		t.Fatal("history row for a missing practice accepted")
	}
}
