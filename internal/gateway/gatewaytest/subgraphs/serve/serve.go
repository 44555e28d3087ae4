// Package serve builds the HTTP handler of a gatewaytest subgraph: gqlgen
// over POST and GET with introspection on (federation's _service needs it)
// and gqlgen's default error presenter, so errors reach the gateway as the
// resolvers built them.
package serve

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/plugin/federation/fedruntime"
)

// Handler serves es.
func Handler(es graphql.ExecutableSchema) http.Handler {
	return newServer(es)
}

// HandlerWithSDL serves es, answering { _service { sdl } } with sdl: for a
// subgraph whose gqlgen schema is a generated copy of its federation schema
// (gqlgen cannot take some @requires field sets, such as ones with
// arguments or fragments), the composition must read the original.
func HandlerWithSDL(es graphql.ExecutableSchema, sdl string) http.Handler {
	srv := newServer(es)
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc != nil && fc.Object == "Query" && fc.Field.Name == "_service" {
			if _, err := next(ctx); err != nil {
				return nil, err // introspection refused stays refused
			}
			return fedruntime.Service{SDL: sdl}, nil
		}
		return next(ctx)
	})
	return srv
}

func newServer(es graphql.ExecutableSchema) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(extension.Introspection{})
	return srv
}
