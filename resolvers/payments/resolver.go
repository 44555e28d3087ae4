// Package payments holds the GraphQL resolvers of the payments subgraph:
// thin adapters from the generated schema (graph/payments) to the domain
// service (subgraphs/payments).
package payments

import (
	"context"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"

	paymentsgql "github.com/citizengraph/citizengraph/graph/payments"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
)

// Resolver is the dependency-injection point of the resolvers.
type Resolver struct {
	svc *payments.Service
}

// NewSchema returns the executable schema of the payments subgraph.
func NewSchema(svc *payments.Service) graphql.ExecutableSchema {
	return paymentsgql.NewExecutableSchema(paymentsgql.Config{Resolvers: &Resolver{svc: svc}})
}

// NewHandler returns the HTTP handler of the payments subgraph on pool,
// paying through the local sandbox provider, with per-operation loaders.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	return NewHandlerWithPSP(pool, payments.NewSandbox(), opts)
}

// NewHandlerWithPSP is NewHandler with an explicit payment-service provider.
// It panics if the embedded open data cannot be read, which tests rule out.
func NewHandlerWithPSP(pool *pgxpool.Pool, psp payments.PSP, opts gqlserver.Options) http.Handler {
	store := payments.NewStore(pool)
	svc, err := payments.NewService(store, psp, payments.WithRegistry(identity.NewMandates(pool)),
		payments.WithPractices(practices.NewStore(pool)))
	if err != nil {
		panic(err)
	}
	return NewServiceHandler(svc, opts)
}

// NewServiceHandler returns the HTTP handler serving svc.
func NewServiceHandler(svc *payments.Service, opts gqlserver.Options) http.Handler {
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context { return svc.WithLoaders(ctx, opts.LoaderWait) }))
	gqlserver.RepresentationMistakes(srv, opts, paymentsgql.ErrTypeNotFound, paymentsgql.ErrUnknownType)
	return srv
}
