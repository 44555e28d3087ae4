package products

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/products/generated"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver holds the subgraph's in-memory data (read-only).
type Resolver struct {
	products []*generated.Product
	media    []generated.Media
}

// NewHandler returns the products subgraph over fresh data.
func NewHandler() http.Handler {
	user := func(id string) *generated.User { return &generated.User{ID: id} }
	r := &Resolver{
		products: []*generated.Product{
			{Upc: "1", Label: &generated.Label{Text: "label 1", Color: "oak"}, Sku: "TBL-1", Org: &generated.Org{ID: "o1"}, Name: "Table", Price: 89900, Weight: 12.5, CostPrice: 52000, PackageShape: &generated.Square{Side: 80, Area: 6400},
				Dimensions: &generated.Dimensions{Width: 120, Height: 75, Depth: 80}, Category: generated.CategoryFurniture,
				CreatedBy: user("u1"), Tags: [][]string{{"wood", "oak"}, {"indoor"}}},
			{Upc: "2", Label: &generated.Label{Text: "label 2", Color: "walnut"}, Sku: "CHR-2", Org: &generated.Org{ID: "o1"}, Name: "Chair", Price: 4900, Weight: 4.25, CostPrice: 2100, PackageShape: &generated.Circle{Radius: 25, Area: 1875},
				Dimensions: &generated.Dimensions{Width: 45, Height: 90, Depth: 50}, Category: generated.CategoryFurniture,
				CreatedBy: user("u2"), Tags: [][]string{{"wood"}, {}}},
			{Upc: "3", Label: &generated.Label{Text: "label 3", Color: "blue"}, Sku: "GAM-3", Org: &generated.Org{ID: "o2"}, Name: "Board Game", Price: 2999, Weight: 1.5, CostPrice: 1400, PackageShape: &generated.Square{Side: 30, Area: 900},
				Dimensions: &generated.Dimensions{Width: 30, Height: 8, Depth: 30}, Category: generated.CategoryGames,
				CreatedBy: user("u3"), Tags: [][]string{}},
			{Upc: "4", Label: &generated.Label{Text: "label 4", Color: "white"}, Sku: "BK-4", Org: &generated.Org{ID: "o2"}, Name: "Notebook", Price: 599, Weight: 0.25, CostPrice: 180, PackageShape: &generated.Triangle{Base: 22, Height: 30, Area: 330},
				Dimensions: &generated.Dimensions{Width: 15, Height: 21, Depth: 1}, Category: generated.CategoryBooks,
				Tags: [][]string{{"paper"}}},
		},
		media: []generated.Media{
			&generated.Book{ID: "b1", Title: "Dune", Author: "Frank Herbert", Pages: 412},
			&generated.Movie{ID: "m1", Title: "Metropolis", Director: "Fritz Lang", Minutes: 153},
			&generated.Book{ID: "b2", Title: "SICP", Author: "Abelson and Sussman", Pages: 657},
		},
	}
	return serve.Handler(generated.NewExecutableSchema(generated.Config{Resolvers: r}))
}

func (r *Resolver) byUPC(upc string) *generated.Product {
	for _, p := range r.products {
		if p.Upc == upc {
			return p
		}
	}
	return nil
}

func (r *Resolver) bySKU(sku, org string) *generated.Product {
	for _, p := range r.products {
		if p.Sku == sku && p.Org.ID == org {
			return p
		}
	}
	return nil
}

func (r *Resolver) mediaByID(id string) generated.Media {
	for _, m := range r.media {
		if m.GetID() == id {
			return m
		}
	}
	return nil
}

func (r *Resolver) search(text string) []generated.SearchResult {
	var out []generated.SearchResult
	seen := map[string]bool{}
	var users []generated.SearchResult
	for _, p := range r.products {
		if !strings.Contains(strings.ToLower(p.Name), strings.ToLower(text)) {
			continue
		}
		out = append(out, p)
		if p.CreatedBy != nil && !seen[p.CreatedBy.ID] {
			seen[p.CreatedBy.ID] = true
			users = append(users, p.CreatedBy)
		}
	}
	return append(out, users...)
}
