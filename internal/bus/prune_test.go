package bus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
)

func outboxIDs(t testing.TB, pool *pgxpool.Pool) (n int, least int64) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `select count(*), coalesce(min(id), 0) from prod.outbox`).Scan(&n, &least); err != nil {
		t.Fatal(err)
	}
	return n, least
}

func appliedMarks(t testing.TB, pool *pgxpool.Pool, consumer string) (n int) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `select count(*) from cons.bus_applied where consumer = $1`, consumer).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPruneDeletesWhatEveryConsumerApplied: the outbox keeps every event
// some consumer has not gone past (a consumer halfway, one never started)
// and those younger than keep; the pruned consumers go on applying each
// remaining event exactly once.
func TestPruneDeletesWhatEveryConsumerApplied(t *testing.T) {
	pool := newDB(t)
	ctx := context.Background()
	p := bus.NewPostgres(pool, bus.Options{Batch: 7})
	a, b, never := consumer("a"), consumer("b"), consumer("never")
	produce(t, pool, 0, 30)
	for {
		n, err := p.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if _, err := p.Step(ctx, b); err != nil { // b: 7 of 30
		t.Fatal(err)
	}
	if got, err := p.Prune(ctx, time.Hour, a, b); err != nil || got != (bus.Pruned{}) {
		t.Fatalf("keeping an hour: pruned %+v, %v; want nothing", got, err)
	}
	// A consumer that never ran holds every event back; the marks of those
	// that did are theirs alone (30 of a, 7 of b).
	if got, err := p.Prune(ctx, 0, a, b, never); err != nil || got.Events != 0 || got.Applied != 37 {
		t.Fatalf("with a consumer that never ran: pruned %+v, %v; want no event and 37 marks", got, err)
	}
	got, err := p.Prune(ctx, 0, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if n, least := outboxIDs(t, pool); got.Events != 7 || n != 23 || least != 8 {
		t.Fatalf("pruned %+v, %d events left from id %d; want 7 pruned, 23 left from id 8", got, n, least)
	}
	for {
		n, err := p.Step(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if n, _ := p.Step(ctx, a); n != 0 {
		t.Errorf("a read %d events again after pruning", n)
	}
	for _, c := range []string{"a", "b"} {
		if rows, wrong := effects(t, pool, c, 30); rows != 30 || wrong != 0 {
			t.Errorf("%s: %d effects, %d not exactly once", c, rows, wrong)
		}
	}
	if got, err := p.Prune(ctx, 0, a, b); err != nil || got.Events != 23 || got.Applied != 23 {
		t.Fatalf("pruned %+v, %v; want the other 23 events and b's 23 marks", got, err)
	}
	if n, _ := outboxIDs(t, pool); n != 0 || appliedMarks(t, pool, "a")+appliedMarks(t, pool, "b") != 0 {
		t.Errorf("%d events left", n)
	}
}

// TestPruneWhileConsuming: a pruner deleting as fast as it can while two
// consumers run and events keep coming loses nothing: each consumer applies
// every event exactly once, and at the end the outbox is empty.
func TestPruneWhileConsuming(t *testing.T) {
	pool := newDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := consumer("a"), consumer("b")
	stop := run(ctx, pool, a, b)
	var wg sync.WaitGroup
	var pruned bus.Pruned
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := bus.NewPostgres(pool, bus.Options{})
		for ctx.Err() == nil {
			got, err := p.Prune(ctx, 0, a, b)
			if err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
			pruned.Events += got.Events
			time.Sleep(5 * time.Millisecond)
		}
	}()
	const n = 300
	produce(t, pool, 0, n)
	waitFor(t, pool, "a", n)
	waitFor(t, pool, "b", n)
	stop()
	cancel()
	wg.Wait()
	for _, c := range []string{"a", "b"} {
		if rows, wrong := effects(t, pool, c, n); rows != n || wrong != 0 {
			t.Errorf("%s: %d effects, %d not exactly once", c, rows, wrong)
		}
	}
	last, err := bus.NewPostgres(pool, bus.Options{}).Prune(context.Background(), 0, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := outboxIDs(t, pool); left != 0 || pruned.Events+last.Events != n {
		t.Errorf("%d events left, %d pruned; want 0 and %d", left, pruned.Events+last.Events, n)
	}
	if pruned.Events == 0 {
		t.Error("the pruner deleted nothing while the consumers ran")
	}
}
