package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/citizengraph/citizengraph/internal/seedgen"
)

func runSeed(ctx context.Context, args []string) error {
	def := seedgen.Default()
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	people := fs.Int("people", def.People, "number of generated people (organizations, practices, payments, messages scale with it)")
	seed := fs.Int64("seed", def.Seed, "seed of the generated data set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sgs, err := lookup(fs.Args())
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, sgs)
	if err != nil {
		return err
	}
	defer pool.Close()
	p := seedgen.Params{People: *people, Seed: *seed}
	start := time.Now()
	for _, s := range sgs {
		t := time.Now()
		if err := s.seed(ctx, pool, p); err != nil {
			return err
		}
		slog.Info("seeded", "subgraph", s.name, "took", time.Since(t).Round(time.Millisecond))
	}
	slog.Info("seed complete", "people", p.People, "seed", p.Seed, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
