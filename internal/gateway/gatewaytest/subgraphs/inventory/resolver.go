package inventory

import (
	_ "embed"
	"net/http"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/inventory/generated"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver holds the subgraph's in-memory stock (read-only).
type Resolver struct {
	stock map[stockKey]int
}

type stockKey struct{ sku, org string }

// NewHandler returns the inventory subgraph over fresh data. Products are
// known by their compound key (sku, org id); BK-4 has no stock record.
func NewHandler() http.Handler {
	r := &Resolver{stock: map[stockKey]int{
		{"TBL-1", "o1"}: 3,
		{"CHR-2", "o1"}: 0,
		{"GAM-3", "o2"}: 12,
	}}
	return serve.Handler(generated.NewExecutableSchema(generated.Config{Resolvers: r}))
}
