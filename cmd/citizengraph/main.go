// Command citizengraph runs the citizengraph federated graph: the gateway,
// the five subgraphs (identity, practices, payments, culture, territory), and
// the tools around them (migrations, seed data, a throwaway PostgreSQL).
//
// Usage:
//
//	citizengraph serve              gateway + every subgraph on one port
//	citizengraph gateway            the gateway alone, over any federation subgraphs
//	citizengraph compose            compose federation subgraphs into a supergraph
//	citizengraph subgraph NAME      one subgraph
//	citizengraph migrate [NAME…]    run migrations
//	citizengraph seed               load the real places and generated people
//	citizengraph devdb              start a throwaway PostgreSQL and print its URL
//	citizengraph version            print the version
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at link time with -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":    {"run the gateway and every subgraph on one port", runServe},
		"gateway":  {"run the federation gateway over a supergraph", runGateway},
		"compose":  {"compose federation subgraphs into a supergraph", runCompose},
		"subgraph": {"run one subgraph", runSubgraph},
		"migrate":  {"apply database migrations", runMigrate},
		"seed":     {"load real places and generated people, practices, payments, events", runSeed},
		"devdb":    {"start a throwaway PostgreSQL and print its URL", runDevDB},
		"version":  {"print the version", runVersion},
	}
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	cmds := commands()
	if len(os.Args) < 2 {
		usage(cmds)
		os.Exit(2)
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "citizengraph: unknown command %q\n", os.Args[1])
		usage(cmds)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "citizengraph %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage(cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "usage: citizengraph COMMAND [flags]")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, cmds[n].summary)
	}
}
