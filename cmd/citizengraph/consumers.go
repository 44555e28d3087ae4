package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// busConsumers returns the bus consumers of the named subgraphs: each
// subgraph runs its own (practices: payments' positions move practices;
// payments: practice fees become debt positions; identity: messages).
func busConsumers(pool *pgxpool.Pool, names []string) ([]bus.Consumer, error) {
	var out []bus.Consumer
	if slices.Contains(names, "practices") {
		svc, err := practices.NewService(practices.NewStore(pool), practices.WithRegistry(identity.NewMandates(pool)))
		if err != nil {
			return nil, fmt.Errorf("bus: practices: %w", err)
		}
		out = append(out, svc.Consumers()...)
	}
	if slices.Contains(names, "payments") {
		svc, err := payments.NewService(payments.NewStore(pool), payments.NewSandbox(),
			payments.WithRegistry(identity.NewMandates(pool)), payments.WithPractices(practices.NewStore(pool)),
			payments.WithDebtors(identity.NewNames(pool)))
		if err != nil {
			return nil, fmt.Errorf("bus: payments: %w", err)
		}
		out = append(out, svc.Consumers()...)
	}
	if slices.Contains(names, "identity") {
		out = append(out, identity.NewNotices(envOr("PORTAL_URL", ""), nil).Consumers()...)
	}
	return out, nil
}

// startConsumers runs the bus consumers of the named subgraphs on pool
// until ctx ends or the returned stop is called (which waits for them);
// with payments, also its sweep every minute (reminders, expiries).
func startConsumers(ctx context.Context, pool *pgxpool.Pool, names []string) (stop func(), err error) {
	cs, err := busConsumers(pool, names)
	if err != nil || len(cs) == 0 {
		return func() {}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if slices.Contains(names, "payments") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := payments.NewStore(pool)
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				if _, _, err := store.Sweep(ctx, time.Now(), 500); err != nil && ctx.Err() == nil {
					slog.Error("payments sweep", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	if err := startPruner(ctx, &wg, pool, names); err != nil {
		cancel()
		wg.Wait()
		return func() {}, err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = bus.NewPostgres(pool, bus.Options{}).Run(ctx, cs...)
	}()
	slog.Info("bus consumers running", "consumers", len(cs))
	return func() { cancel(); wg.Wait() }, nil
}
