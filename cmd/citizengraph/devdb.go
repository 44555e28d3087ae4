package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/citizengraph/citizengraph/internal/devdb"
)

func runDevDB(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("devdb", flag.ContinueOnError)
	dir := fs.String("dir", devdb.DefaultDir(), "cluster directory")
	stop := fs.Bool("stop", false, "stop the cluster in -dir instead of starting it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stop {
		return devdb.Stop(ctx, *dir)
	}
	s, err := devdb.Start(ctx, *dir, 0)
	if err != nil {
		return err
	}
	fmt.Println(s.URL())
	return nil
}
