package shipping

import (
	_ "embed"
	"net/http"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/shipping/generated"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver computes shipping data; it stores only product names and
// shipping zones.
type Resolver struct {
	names map[string]string
	zones map[string]string
}

// NewHandler returns the shipping subgraph.
func NewHandler() http.Handler {
	r := &Resolver{
		names: map[string]string{"1": "Table", "2": "Chair", "3": "Board Game", "4": "Notebook"},
		zones: map[string]string{"1": "north", "2": "north", "3": "south", "4": "east"},
	}
	return serve.HandlerWithSDL(generated.NewExecutableSchema(generated.Config{Resolvers: r}), SDL)
}
