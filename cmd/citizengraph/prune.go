package main

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/bus"
)

// The outbox retention: events every consumer of the deployment has
// applied are deleted from the outboxes of the subgraphs this process
// serves, a day after, every quarter of an hour.
const (
	outboxKeep       = 24 * time.Hour
	outboxPruneEvery = 15 * time.Minute
)

// startPruner prunes the outboxes of the named subgraphs until ctx ends.
// It judges by every consumer of the binary, wherever they run (the
// subgraph command runs only its own): an event stays until each of them
// is past it.
func startPruner(ctx context.Context, wg *sync.WaitGroup, pool *pgxpool.Pool, names []string) error {
	all, err := busConsumers(pool, subgraphNames(registry()))
	if err != nil {
		return err
	}
	var cs []bus.Consumer
	for _, c := range all {
		if slices.Contains(names, c.Source) {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := bus.NewPostgres(pool, bus.Options{})
		t := time.NewTicker(outboxPruneEvery)
		defer t.Stop()
		for {
			if n, err := p.Prune(ctx, outboxKeep, cs...); err != nil && ctx.Err() == nil {
				slog.Error("outbox pruning", "err", err)
			} else if n.Events > 0 || n.Applied > 0 {
				slog.Info("outbox pruned", "events", n.Events, "applied_marks", n.Applied)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}
