// Package practices holds the GraphQL resolvers of the practices subgraph:
// thin adapters from the generated schema (graph/practices) to the domain
// service (subgraphs/practices).
package practices

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"

	practicesgql "github.com/citizengraph/citizengraph/graph/practices"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// Resolver is the dependency-injection point of the resolvers.
type Resolver struct {
	svc *practices.Service
}

// NewSchema returns the executable schema of the practices subgraph.
func NewSchema(svc *practices.Service) graphql.ExecutableSchema {
	return practicesgql.NewExecutableSchema(practicesgql.Config{Resolvers: &Resolver{svc: svc}})
}

// NewHandler builds store, service and schema on pool and returns the
// subgraph's HTTP handler, with per-operation dataloaders installed.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	svc, err := practices.NewService(practices.NewStore(pool), practices.WithRegistry(identity.NewMandates(pool)))
	if err != nil {
		// Only embedded data is read here; a failure is a build defect.
		panic(err)
	}
	return NewServiceHandler(svc, opts)
}

// NewServiceHandler is NewHandler for an existing service (tests inject a
// clock through it).
func NewServiceHandler(svc *practices.Service, opts gqlserver.Options) http.Handler {
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context { return svc.WithLoaders(ctx, opts.LoaderWait) }))
	gqlserver.RepresentationMistakes(srv, opts, practicesgql.ErrTypeNotFound, practicesgql.ErrUnknownType)
	return srv
}

// loaders returns the operation's loaders, or fresh ones when the schema
// runs without the handler.
func (r *Resolver) loaders(ctx context.Context) *practices.Loaders {
	if l := practices.LoadersFrom(ctx); l != nil {
		return l
	}
	return practices.NewLoaders(r.svc, 0)
}
