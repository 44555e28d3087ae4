package practices_test

import (
	"context"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

func next(t *testing.T, ch <-chan practices.StatusEvent) practices.StatusEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("stream closed")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return practices.StatusEvent{}
}

func TestWatchPracticeReplaysThenFollows(t *testing.T) {
	e := newEnv(t)
	p := e.practiceIn(t, practices.StatusSubmitted)
	other := e.practiceIn(t, practices.StatusSubmitted)

	if _, err := e.svc.WatchPractice(as(bob()), p.ID, ""); kindOf(err) != "NOT_FOUND" {
		t.Fatalf("stranger watches: %s", kindOf(err))
	}
	if _, err := e.svc.WatchPractice(as(alice()), p.ID, "garbage"); kindOf(err) != "BAD_USER_INPUT" {
		t.Fatalf("bad cursor: %s", kindOf(err))
	}

	ctx, cancel := context.WithCancel(as(alice()))
	ch, err := e.svc.WatchPractice(ctx, p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	first, second := next(t, ch), next(t, ch)
	if first.Status != practices.StatusDraft || second.Status != practices.StatusSubmitted || second.Previous != practices.StatusDraft {
		t.Fatalf("replay %+v %+v", first, second)
	}
	// Live: a change of another practice is not delivered, this one's is.
	e.act(t, operatorOf(milan), other.ID, practices.ActionRegister)
	e.act(t, operatorOf(milan), p.ID, practices.ActionRegister)
	if ev := next(t, ch); ev.Status != practices.StatusRegistered || ev.PracticeID != p.ID {
		t.Fatalf("live event %+v", ev)
	}
	cancel()
	for range ch { // the stream ends with its context
	}

	// Changes while disconnected are replayed from the last cursor.
	e.act(t, operatorOf(milan), p.ID, practices.ActionTakeInCharge)
	ch, err = e.svc.WatchPractice(context.Background(), p.ID, practices.EncodeEventCursor(second.ID))
	if kindOf(err) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous watch: %s", kindOf(err))
	}
	ctx, cancel = context.WithCancel(as(operatorOf(milan)))
	defer cancel()
	ch, err = e.svc.WatchPractice(ctx, p.ID, practices.EncodeEventCursor(second.ID))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := next(t, ch), next(t, ch); a.Status != practices.StatusRegistered || b.Status != practices.StatusInProgress {
		t.Fatalf("resumed with %s, %s", a.Status, b.Status)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.svc.Act(as(operatorOf(milan)), p.ID, practices.ActionComplete, "")
		done <- err
	}()
	if ev := next(t, ch); ev.Status != practices.StatusCompleted {
		t.Fatalf("live after resume: %+v", ev)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
