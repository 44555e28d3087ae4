package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	cultureres "github.com/citizengraph/citizengraph/resolvers/culture"
	identityres "github.com/citizengraph/citizengraph/resolvers/identity"
	paymentsres "github.com/citizengraph/citizengraph/resolvers/payments"
	practicesres "github.com/citizengraph/citizengraph/resolvers/practices"
	territoryres "github.com/citizengraph/citizengraph/resolvers/territory"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
	"github.com/citizengraph/citizengraph/subgraphs/territory"

	"github.com/citizengraph/citizengraph/internal/db"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// subgraph is one entry of the registry: everything the binary needs to
// migrate, seed and serve a subgraph.
type subgraph struct {
	name       string
	migrations fs.FS
	seed       func(ctx context.Context, pool *pgxpool.Pool, p seedgen.Params) error
	handler    func(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler
	// public, when set, returns the routes the subgraph serves on the
	// public listener, by path (practices: the document downloads).
	public func(pool *pgxpool.Pool, opts gqlserver.Options) map[string]http.Handler
}

// registry lists the subgraphs in seeding order (places first), with the
// default documents (download links signed by a random key).
func registry() []subgraph { return registryWith(practicesres.Documents{}) }

// registryWith is registry with the practices subgraph's documents.
func registryWith(docs practicesres.Documents) []subgraph {
	return []subgraph{
		{name: "territory", migrations: territory.Migrations(), seed: territory.Seed, handler: territoryres.NewHandler},
		{name: "identity", migrations: identity.Migrations(), seed: identity.Seed, handler: identityres.NewHandler},
		practicesEntry(docs),
		{name: "payments", migrations: payments.Migrations(), seed: payments.Seed, handler: paymentsres.NewHandler},
		{name: "culture", migrations: culture.Migrations(), seed: culture.Seed, handler: cultureres.NewHandler},
	}
}

func lookup(names []string) ([]subgraph, error) {
	all := registry()
	if len(names) == 0 {
		return all, nil
	}
	var out []subgraph
	for _, n := range names {
		found := false
		for _, s := range all {
			if s.name == n {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown subgraph %q (have %s)", n, strings.Join(subgraphNames(all), ", "))
		}
	}
	return out, nil
}

func subgraphNames(sgs []subgraph) []string {
	names := make([]string, len(sgs))
	for i, s := range sgs {
		names[i] = s.name
	}
	return names
}

func migrations(sgs []subgraph) []db.Migration {
	ms := make([]db.Migration, len(sgs))
	for i, s := range sgs {
		ms[i] = db.Migration{Schema: s.name, Files: s.migrations}
	}
	return ms
}

// openDB connects to DATABASE_URL or to the throwaway cluster and migrates
// the given subgraphs.
func openDB(ctx context.Context, sgs []subgraph) (*pgxpool.Pool, error) {
	url, err := devdb.Ensure(ctx)
	if err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, pool, migrations(sgs)...); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
