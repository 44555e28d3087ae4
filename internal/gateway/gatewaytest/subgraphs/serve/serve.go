// Package serve builds the HTTP handler of a gatewaytest subgraph: gqlgen
// over POST and GET with introspection on (federation's _service needs it)
// and gqlgen's default error presenter, so errors reach the gateway as the
// resolvers built them.
package serve

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Handler serves es.
func Handler(es graphql.ExecutableSchema) http.Handler {
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(extension.Introspection{})
	return srv
}
