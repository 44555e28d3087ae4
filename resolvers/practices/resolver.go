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
// Download links are signed with a random key of this handler: see
// NewHandlers.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	h, _ := NewHandlers(pool, opts, Documents{})
	return h
}

// Documents configures the subgraph's documents: their limits, where
// their content is kept, and the signer of their download links.
type Documents struct {
	Policy practices.DocumentPolicy
	// Content keeps the bytes (nil: Postgres, practices.PGContent).
	Content practices.ContentStore
	// Links signs the download links (nil: a random key, which only the
	// download handler returned with the same call verifies).
	Links *practices.Links
}

// NewHandlers returns the subgraph's GraphQL handler and the handler of
// its download links (for practices.DocumentsPath on the public
// listener), which share docs.
func NewHandlers(pool *pgxpool.Pool, opts gqlserver.Options, docs Documents) (graphql, download http.Handler) {
	if docs.Links == nil {
		l, err := practices.NewLinks(nil, 0, "")
		if err != nil {
			panic(err) // the system's random source failed
		}
		docs.Links = l
	}
	svcOpts := []practices.Option{practices.WithRegistry(identity.NewMandates(pool)), practices.WithDocumentPolicy(docs.Policy), practices.WithLinks(docs.Links)}
	if docs.Content != nil {
		svcOpts = append(svcOpts, practices.WithContentStore(docs.Content))
	}
	svc, err := practices.NewService(practices.NewStore(pool), svcOpts...)
	if err != nil {
		// Only embedded data is read here; a failure is a build defect.
		panic(err)
	}
	return NewServiceHandler(svc, opts), NewDownloadHandler(svc, opts.Logger)
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
