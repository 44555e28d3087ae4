// Package territory holds the GraphQL resolvers of the territory subgraph:
// thin adapters from gqlgen's generated models to subgraphs/territory.
package territory

import (
	"context"

	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"

	territorygql "github.com/citizengraph/citizengraph/graph/territory"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/territory"
)

// Resolver is the dependency-injection point of the territory resolvers.
type Resolver struct {
	svc *territory.Service
}

// NewSchema returns the executable schema of the territory subgraph.
func NewSchema(svc *territory.Service) graphql.ExecutableSchema {
	return territorygql.NewExecutableSchema(territorygql.Config{Resolvers: &Resolver{svc: svc}})
}

// NewHandler returns the territory subgraph's GraphQL handler over pool,
// with per-operation dataloaders.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	svc := territory.NewService(territory.NewStore(pool), territory.WithComuniInMemory(pool))
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context { return svc.WithLoaders(ctx, opts.LoaderWait) }))
	gqlserver.RepresentationMistakes(srv, opts, territorygql.ErrTypeNotFound, territorygql.ErrUnknownType)
	return srv
}
