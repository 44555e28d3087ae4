package practices_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// legal is the lifecycle written out independently of the transition
// table: status → action → resulting status (for a free service).
var legal = map[practices.Status]map[practices.Action]practices.Status{
	practices.StatusDraft: {
		practices.ActionSubmit:   practices.StatusSubmitted,
		practices.ActionWithdraw: practices.StatusWithdrawn,
	},
	practices.StatusPaymentPending: {
		practices.ActionConfirmPayment: practices.StatusSubmitted,
		practices.ActionWithdraw:       practices.StatusWithdrawn,
	},
	practices.StatusSubmitted: {
		practices.ActionRegister: practices.StatusRegistered,
		practices.ActionWithdraw: practices.StatusWithdrawn,
	},
	practices.StatusRegistered: {
		practices.ActionTakeInCharge: practices.StatusInProgress,
		practices.ActionReject:       practices.StatusRejected,
		practices.ActionWithdraw:     practices.StatusWithdrawn,
	},
	practices.StatusInProgress: {
		practices.ActionRequestIntegration: practices.StatusIntegrationRequested,
		practices.ActionComplete:           practices.StatusCompleted,
		practices.ActionReject:             practices.StatusRejected,
		practices.ActionWithdraw:           practices.StatusWithdrawn,
	},
	practices.StatusIntegrationRequested: {
		practices.ActionAnswerIntegration: practices.StatusInProgress,
		practices.ActionWithdraw:          practices.StatusWithdrawn,
	},
	practices.StatusCompleted: {},
	practices.StatusRejected:  {},
	practices.StatusWithdrawn: {},
}

func TestTransitionsExhaustive(t *testing.T) {
	e := newEnv(t)
	for _, from := range practices.Statuses {
		for _, a := range practices.Actions {
			t.Run(fmt.Sprintf("%s/%s", from, a), func(t *testing.T) {
				p := e.practiceIn(t, from)
				before := e.counts(t, p.ID)
				got, err := e.svc.Act(as(actorFor(a)), p.ID, a, "nota")
				want, ok := legal[from][a]
				if !ok {
					if kindOf(err) != "ILLEGAL_TRANSITION" {
						t.Fatalf("%s from %s: got %s, want ILLEGAL_TRANSITION", a, from, kindOf(err))
					}
					after, err := e.svc.Practice(as(admin()), p.ID)
					if err != nil {
						t.Fatal(err)
					}
					if after.Status != from || !after.UpdatedAt.Equal(p.UpdatedAt) {
						t.Fatalf("illegal %s changed the practice: %s at %v", a, after.Status, after.UpdatedAt)
					}
					if c := e.counts(t, p.ID); c != before {
						t.Fatalf("illegal %s wrote rows: %+v → %+v", a, before, c)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s from %s: %v", a, from, err)
				}
				if got.Status != want {
					t.Fatalf("%s from %s reached %s, want %s", a, from, got.Status, want)
				}
				if c := e.counts(t, p.ID); c.history != before.history+1 || c.events != before.events+1 {
					t.Fatalf("%s: rows %+v → %+v, want one more history and event row", a, before, c)
				}
				var prev, status string
				if err := e.pool.QueryRow(context.Background(), `select previous_status, status from practices.status_event
					where practice_id = $1 order by id desc limit 1`, p.ID).Scan(&prev, &status); err != nil {
					t.Fatal(err)
				}
				if prev != string(from) || status != string(want) {
					t.Fatalf("outbox row %s → %s, want %s → %s", prev, status, from, want)
				}
			})
		}
	}
}

func TestSubmitPaidServiceWaitsForPayment(t *testing.T) {
	e := newEnv(t)
	p := e.create(t, paidService, milan)
	p = e.act(t, alice(), p.ID, practices.ActionSubmit)
	if p.Status != practices.StatusPaymentPending || p.SubmittedAt != nil {
		t.Fatalf("paid submit: %s submittedAt=%v", p.Status, p.SubmittedAt)
	}
	// The citizen cannot confirm their own payment.
	if _, err := e.svc.Act(as(alice()), p.ID, practices.ActionConfirmPayment, ""); kindOf(err) != "FORBIDDEN" {
		t.Fatalf("citizen confirm: %s", kindOf(err))
	}
	p = e.act(t, admin(), p.ID, practices.ActionConfirmPayment)
	if p.Status != practices.StatusSubmitted || p.SubmittedAt == nil || p.DueBy == nil {
		t.Fatalf("after payment: %+v", p)
	}
	h, err := e.svc.History(context.Background(), []string{p.ID})
	if err != nil {
		t.Fatal(err)
	}
	last := h[0][len(h[0])-1]
	if last.Actor.Kind != practices.ActorSystem || last.Actor.ID != "admin" {
		t.Fatalf("payment confirmed by %+v, want the system principal", last.Actor)
	}
}

func TestNotesRequired(t *testing.T) {
	e := newEnv(t)
	p := e.practiceIn(t, practices.StatusInProgress)
	for _, a := range []practices.Action{practices.ActionRequestIntegration, practices.ActionReject} {
		if _, err := e.svc.Act(as(operatorOf(milan)), p.ID, a, "  "); kindOf(err) != "BAD_USER_INPUT" {
			t.Fatalf("%s without note: %s", a, kindOf(err))
		}
	}
	if c := e.counts(t, p.ID); c.history != 4 {
		t.Fatalf("history rows %d, want 4", c.history)
	}
}

func TestConcurrentTransitionsOneWins(t *testing.T) {
	e := newEnv(t)
	for round := 0; round < 5; round++ {
		p := e.practiceIn(t, practices.StatusInProgress)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch i % 4 {
				case 0:
					_, errs[i] = e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionComplete, "")
				case 1:
					_, errs[i] = e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionReject, "respinta")
				case 2:
					_, errs[i] = e.svc.Act(as(alice()), p.ID, practices.ActionWithdraw, "")
				case 3:
					_, errs[i] = e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionRequestIntegration, "integrare")
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch kindOf(err) {
			case "ok":
				ok++
			case "ILLEGAL_TRANSITION":
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		// Only request-integration can be followed by withdraw; every other
		// winner makes the practice final. So 1 or 2 successes, never more,
		// and the history matches them exactly.
		c := e.counts(t, p.ID)
		if ok < 1 || ok > 2 || c.history != 4+ok || c.events != 4+ok {
			t.Fatalf("round %d: %d successes, rows %+v", round, ok, c)
		}
	}
}

func TestStatusChangeNotifiesWithOutboxID(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.practiceIn(t, practices.StatusDraft)
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "listen practice_status"); err != nil {
		t.Fatal(err)
	}
	// An illegal action publishes nothing; the legal one publishes its event.
	if _, err := e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionComplete, ""); kindOf(err) != "ILLEGAL_TRANSITION" {
		t.Fatalf("complete a draft: %s", kindOf(err))
	}
	e.act(t, alice(), p.ID, practices.ActionSubmit)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := conn.Conn().WaitForNotification(wctx)
	if err != nil {
		t.Fatal(err)
	}
	events, err := e.svc.StatusEvents(ctx, p.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if n.Payload != fmt.Sprint(last.ID) || last.Status != practices.StatusSubmitted || last.Previous != practices.StatusDraft {
		t.Fatalf("notified %q, last event %+v", n.Payload, last)
	}
	if len(events) != 2 || events[0].Status != practices.StatusDraft || events[0].Previous != "" {
		t.Fatalf("outbox %+v: want the creation and the submission", events)
	}
	// Nothing else is pending: the refused action did not notify.
	wctx2, cancel2 := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel2()
	if n, err := conn.Conn().WaitForNotification(wctx2); err == nil {
		t.Fatalf("unexpected notification %q", n.Payload)
	}
}
