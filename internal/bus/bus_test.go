package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
)

// Two schemas as two subgraphs would have them: prod publishes, cons
// consumes and records one effect row per application (no unique key, so
// a double application would show as two rows).
var (
	prodFiles = fstest.MapFS{"001_outbox.sql": {Data: []byte(`
create table prod.outbox (
    id bigserial primary key, event_id uuid not null unique, topic text not null, key text not null default '',
    payload jsonb not null, at timestamptz not null default now());
create table prod.thing (n int primary key);`)}}
	consFiles = fstest.MapFS{"001_consumer.sql": {Data: []byte(`
create table cons.bus_position (consumer text primary key, id bigint not null default 0);
create table cons.bus_applied (consumer text not null, event_id uuid not null, applied_at timestamptz not null default now(),
    error text, primary key (consumer, event_id));
create table cons.effect (n int not null, consumer text not null, at timestamptz not null default clock_timestamp());`)}}
)

func newDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return devdb.NewTestDB(t, db.Migration{Schema: "prod", Files: prodFiles}, db.Migration{Schema: "cons", Files: consFiles})
}

var outbox = bus.NewOutbox("prod")

type thing struct {
	N int `json:"n"`
}

// produce commits n events (ns from first), each in its own transaction
// with its change.
func produce(t testing.TB, pool *pgxpool.Pool, first, n int) {
	t.Helper()
	ctx := context.Background()
	for i := first; i < first+n; i++ {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `insert into prod.thing (n) values ($1)`, i); err != nil {
				return err
			}
			_, err := outbox.Publish(ctx, tx, "thing.made", fmt.Sprint(i), thing{N: i})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func consumer(name string) bus.Consumer {
	return bus.Consumer{Name: name, Schema: "cons", Source: "prod", Topics: []string{"thing.made"},
		Handle: func(ctx context.Context, tx pgx.Tx, e bus.Event) error {
			var th thing
			if err := e.Decode(&th); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `insert into cons.effect (n, consumer) values ($1, $2)`, th.N, name)
			return err
		}}
}

// effects returns how many effect rows there are, and how many numbers
// were applied other than exactly once, of [0, n).
func effects(t testing.TB, pool *pgxpool.Pool, consumer string, n int) (rows, wrong int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `select (select count(*) from cons.effect where consumer = $1),
		(select count(*) from generate_series(0, $2 - 1) g(n)
		 where (select count(*) from cons.effect e where e.n = g.n and e.consumer = $1) <> 1)`, consumer, n).Scan(&rows, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	return rows, wrong
}

func waitFor(t testing.TB, pool *pgxpool.Pool, consumer string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows, _ := effects(t, pool, consumer, n)
		if rows >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d events applied after 30s", consumer, rows, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func run(ctx context.Context, pool *pgxpool.Pool, cs ...bus.Consumer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bus.NewPostgres(pool, bus.Options{Poll: 200 * time.Millisecond, Batch: 7}).Run(ctx, cs...)
	}()
	return func() { cancel(); <-done }
}

// TestRestartMidStream stops the consumer in the middle of a stream,
// produces more while it is down, restarts it: every event applied exactly
// once.
func TestRestartMidStream(t *testing.T) {
	pool := newDB(t)
	c := consumer("cons.things")
	stop := run(context.Background(), pool, c)
	produce(t, pool, 0, 60)
	waitFor(t, pool, c.Name, 20) // somewhere in the stream
	stop()
	produce(t, pool, 60, 60) // while no consumer runs
	stop = run(context.Background(), pool, c)
	defer stop()
	produce(t, pool, 120, 30)
	waitFor(t, pool, c.Name, 150)
	time.Sleep(300 * time.Millisecond) // a poll more: nothing applied twice late
	if rows, wrong := effects(t, pool, c.Name, 150); rows != 150 || wrong != 0 {
		t.Fatalf("after a restart: %d effects for 150 events, %d not applied exactly once", rows, wrong)
	}
}

// TestConcurrentInstances runs the same consumer in two processes' worth
// of runners (two pools) while four producers publish: one wins each
// event, none is applied twice or lost.
func TestConcurrentInstances(t *testing.T) {
	pool := newDB(t)
	other, err := pgxpool.NewWithConfig(context.Background(), pool.Config())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c := consumer("cons.things")
	var wins sync.Map
	counting := func(p *pgxpool.Pool, who string) func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = bus.NewPostgres(p, bus.Options{Poll: 50 * time.Millisecond, Batch: 5, Applied: func(_ string, es []bus.Event) {
				v, _ := wins.LoadOrStore(who, new(int64))
				*v.(*int64) += int64(len(es)) // one goroutine per runner and consumer
			}}).Run(ctx, c)
		}()
		return func() { cancel(); <-done }
	}
	stopA := counting(pool, "a")
	stopB := counting(other, "b")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); produce(t, pool, w*100, 100) }()
	}
	wg.Wait()
	waitFor(t, pool, c.Name, 400)
	time.Sleep(200 * time.Millisecond)
	stopA()
	stopB()
	if rows, wrong := effects(t, pool, c.Name, 400); rows != 400 || wrong != 0 {
		t.Fatalf("two instances: %d effects for 400 events, %d not applied exactly once", rows, wrong)
	}
	var a, b int64
	if v, ok := wins.Load("a"); ok {
		a = *v.(*int64)
	}
	if v, ok := wins.Load("b"); ok {
		b = *v.(*int64)
	}
	if a+b != 400 {
		t.Fatalf("applied by a %d + by b %d, want 400", a, b)
	}
	t.Logf("instance a applied %d, instance b %d", a, b)
}

// TestLateCommitNotSkipped: an event whose transaction took its id first
// but commits after a later one is still applied (the consumer waits at the
// barrier for the open publisher, then reads both).
func TestLateCommitNotSkipped(t *testing.T) {
	pool := newDB(t)
	ctx := context.Background()
	c := consumer("cons.things")
	p := bus.NewPostgres(pool, bus.Options{})
	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx) //nolint:errcheck
	if _, err := outbox.Publish(ctx, slow, "thing.made", "0", thing{N: 0}); err != nil {
		t.Fatal(err)
	}
	produce(t, pool, 1, 1) // commits with a larger id
	done := make(chan error, 1)
	go func() { _, err := p.Step(ctx, c); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the consumer read past an open publisher (err %v)", err)
	case <-time.After(300 * time.Millisecond): // it waits at the barrier
	}
	if rows, _ := effects(t, pool, c.Name, 2); rows != 0 {
		t.Fatalf("applied %d events while an older publisher was open; want 0", rows)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rows, wrong := effects(t, pool, c.Name, 2); rows != 2 || wrong != 0 {
		t.Fatalf("after the late commit: %d effects, %d wrong; want both once", rows, wrong)
	}
}

// TestRolledBackNeverDelivered: an event of a transaction that rolls back
// does not exist.
func TestRolledBackNeverDelivered(t *testing.T) {
	pool := newDB(t)
	ctx := context.Background()
	c := consumer("cons.things")
	_ = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := outbox.Publish(ctx, tx, "thing.made", "7", thing{N: 7}); err != nil {
			t.Fatal(err)
		}
		return errors.New("the change fails")
	})
	produce(t, pool, 0, 1)
	p := bus.NewPostgres(pool, bus.Options{})
	if _, err := p.Step(ctx, c); err != nil {
		t.Fatal(err)
	}
	if rows, wrong := effects(t, pool, c.Name, 1); rows != 1 || wrong != 0 {
		t.Fatalf("%d effects, %d wrong; want only the committed event", rows, wrong)
	}
}

// TestHandlerFailures: a transient error retries the event (the batch
// before it stays applied); a permanent one records the event with its
// reason and moves on.
func TestHandlerFailures(t *testing.T) {
	pool := newDB(t)
	ctx := context.Background()
	produce(t, pool, 0, 6)
	failures := 0
	c := consumer("cons.things")
	inner := c.Handle
	c.Handle = func(ctx context.Context, tx pgx.Tx, e bus.Event) error {
		switch e.Key {
		case "2":
			if failures < 2 {
				failures++
				if _, err := tx.Exec(ctx, `insert into cons.effect (n, consumer) values (-1, $1)`, c.Name); err != nil {
					return err
				}
				return errors.New("database hiccup")
			}
		case "4":
			return bus.Permanent(errors.New("malformed"))
		}
		return inner(ctx, tx, e)
	}
	p := bus.NewPostgres(pool, bus.Options{})
	n, err := p.Step(ctx, c)
	if err == nil || !strings.Contains(err.Error(), "database hiccup") || n != 2 {
		t.Fatalf("first step: %d read, err %v; want 2 and the hiccup", n, err)
	}
	for range 3 {
		if _, err := p.Step(ctx, c); err != nil && !strings.Contains(err.Error(), "hiccup") {
			t.Fatal(err)
		}
	}
	var rows, minus int
	if err := pool.QueryRow(ctx, `select count(*), count(*) filter (where n < 0) from cons.effect`).Scan(&rows, &minus); err != nil {
		t.Fatal(err)
	}
	if rows != 5 || minus != 0 {
		t.Fatalf("%d effects (%d of failed attempts); want 5 (0..5 but 4) and none of the failures", rows, minus)
	}
	var reason string
	if err := pool.QueryRow(ctx, `select error from cons.bus_applied where error is not null`).Scan(&reason); err != nil || reason != "malformed" {
		t.Fatalf("refused event: %q, %v", reason, err)
	}
}
