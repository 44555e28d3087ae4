package bus_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
)

// BenchmarkBus publishes one event per transaction (with its change) and
// waits until every event is applied: consumers=0 is the reference
// (publishing alone), consumers=1 and 2 run one or two instances (pools, as
// two processes would) of the same consumer. Metrics: events/s from the
// first publish to the last effect, and commit-to-effect latency (the
// producer's commit returned → the consumer's batch committed) p50/p99.
func BenchmarkBus(b *testing.B) {
	for _, instances := range []int{0, 1, 2} {
		b.Run(fmt.Sprintf("consumers=%d", instances), func(b *testing.B) {
			pool := newDB(b)
			ctx := context.Background()
			c := consumer("cons.bench")
			var (
				mu        sync.Mutex
				committed = map[string]time.Time{}
				latencies []time.Duration
				done      int
				last      time.Time
			)
			applied := func(_ string, es []bus.Event) {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				for _, e := range es {
					var d time.Duration // 0: applied before the producer saw its commit return
					if at, ok := committed[e.Key]; ok {
						d = now.Sub(at)
					}
					latencies = append(latencies, d)
				}
				done += len(es)
				last = now
			}
			var stops []func()
			for k := range instances {
				p := pool
				if k > 0 {
					var err error
					if p, err = pgxpool.NewWithConfig(ctx, pool.Config()); err != nil {
						b.Fatal(err)
					}
					defer p.Close()
				}
				cctx, cancel := context.WithCancel(ctx)
				wait := make(chan struct{})
				go func() {
					defer close(wait)
					_ = bus.NewPostgres(p, bus.Options{Applied: applied}).Run(cctx, c)
				}()
				stops = append(stops, func() { cancel(); <-wait })
			}
			defer func() {
				for _, s := range stops {
					s()
				}
			}()
			b.ReportAllocs()
			start := time.Now()
			i := 0
			for b.Loop() {
				key := fmt.Sprint(i)
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `insert into prod.thing (n) values ($1)`, i); err != nil {
						return err
					}
					_, err := outbox.Publish(ctx, tx, "thing.made", key, thing{N: i})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				mu.Lock()
				committed[key] = time.Now()
				mu.Unlock()
				i++
			}
			if instances == 0 {
				b.ReportMetric(float64(i)/time.Since(start).Seconds(), "events/s")
				return
			}
			deadline := time.Now().Add(time.Minute)
			for {
				mu.Lock()
				n := done
				mu.Unlock()
				if n >= i {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d events applied after a minute", n, i)
				}
				time.Sleep(time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			slices.Sort(latencies)
			b.ReportMetric(float64(i)/last.Sub(start).Seconds(), "events/s")
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkBusLatency publishes one event at a time and waits for its
// effect to commit: commit-to-effect latency without a backlog, woken by
// LISTEN/NOTIFY (the polling fallback is set to 10 s, so it never helps).
// The reference is consumers=0: the publishing transaction alone.
func BenchmarkBusLatency(b *testing.B) {
	for _, instances := range []int{0, 1, 2} {
		b.Run(fmt.Sprintf("consumers=%d", instances), func(b *testing.B) {
			pool := newDB(b)
			ctx := context.Background()
			c := consumer("cons.latency")
			got := make(chan time.Time, 1024)
			for k := range instances {
				p := pool
				if k > 0 {
					var err error
					if p, err = pgxpool.NewWithConfig(ctx, pool.Config()); err != nil {
						b.Fatal(err)
					}
					defer p.Close()
				}
				cctx, cancel := context.WithCancel(ctx)
				wait := make(chan struct{})
				go func() {
					defer close(wait)
					_ = bus.NewPostgres(p, bus.Options{Poll: 10 * time.Second, Applied: func(_ string, es []bus.Event) {
						now := time.Now()
						for range es {
							got <- now
						}
					}}).Run(cctx, c)
				}()
				defer func() { cancel(); <-wait }()
			}
			time.Sleep(100 * time.Millisecond) // the listeners are up
			var latencies []time.Duration
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `insert into prod.thing (n) values ($1)`, i); err != nil {
						return err
					}
					_, err := outbox.Publish(ctx, tx, "thing.made", fmt.Sprint(i), thing{N: i})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				committed := time.Now()
				i++
				if instances == 0 {
					continue
				}
				select {
				case at := <-got:
					latencies = append(latencies, max(at.Sub(committed), 0))
				case <-time.After(5 * time.Second):
					b.Fatal("an event was not applied within 5 s")
				}
			}
			if len(latencies) > 0 {
				slices.Sort(latencies)
				b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
}
