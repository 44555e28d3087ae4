// Package culture holds the GraphQL resolvers of the culture subgraph: thin
// adapters from gqlgen's generated models to subgraphs/culture.
package culture

import (
	"context"

	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"

	culturegql "github.com/citizengraph/citizengraph/graph/culture"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/culture"
)

// Resolver is the dependency-injection point of the culture resolvers.
type Resolver struct {
	svc *culture.Service
}

// NewSchema returns the executable schema of the culture subgraph.
func NewSchema(svc *culture.Service) graphql.ExecutableSchema {
	return culturegql.NewExecutableSchema(culturegql.Config{Resolvers: &Resolver{svc: svc}})
}

// NewHandler returns the culture subgraph's GraphQL handler over pool, with
// per-operation dataloaders.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	svc := culture.NewService(culture.NewStore(pool))
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context { return svc.WithLoaders(ctx, opts.LoaderWait) }))
	gqlserver.RepresentationMistakes(srv, opts, culturegql.ErrTypeNotFound, culturegql.ErrUnknownType)
	return srv
}
