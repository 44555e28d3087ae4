package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
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
	pool.Close()
	fmt.Println("migrated:", subgraphNames(sgs))
	return nil
}
