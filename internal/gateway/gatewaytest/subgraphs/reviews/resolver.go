package reviews

import (
	_ "embed"
	"net/http"
	"strconv"
	"sync"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/reviews/generated"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver holds the subgraph's in-memory data.
type Resolver struct {
	next    func() int
	mu      sync.Mutex
	reviews []review
	media   map[string]int
}

type review struct {
	id, upc, author, body string
	stars                 int
}

// usernames are the authors' usernames this subgraph stores, so that it can
// provide User.username on Review.author.
var usernames = map[string]string{"u1": "ada", "u2": "alan", "u3": "grace", "u4": "edsger"}

// NewHandler returns the reviews subgraph over fresh data; next numbers the
// reviews it creates.
func NewHandler(next func() int) http.Handler {
	r := &Resolver{
		next: next,
		reviews: []review{
			{id: "r1", upc: "1", author: "u2", body: "Sturdy and handsome", stars: 5},
			{id: "r2", upc: "1", author: "u3", body: "Wobbles a bit", stars: 3},
			{id: "r3", upc: "2", author: "u1", body: "Comfortable", stars: 4},
			{id: "r4", upc: "3", author: "u2", body: "Fun with friends", stars: 5},
		},
		media: map[string]int{"b1": 12, "m1": 7, "b2": 3},
	}
	return serve.Handler(generated.NewExecutableSchema(generated.Config{Resolvers: r}))
}

func (r *Resolver) list(keep func(review) bool) []*generated.Review {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*generated.Review
	for _, rv := range r.reviews {
		if keep(rv) {
			out = append(out, toReview(rv))
		}
	}
	return out
}

func toReview(rv review) *generated.Review {
	return &generated.Review{
		ID: rv.id, Body: rv.body, Stars: rv.stars,
		Author:  &generated.User{ID: rv.author, Username: usernames[rv.author]},
		Product: &generated.Product{Upc: rv.upc},
	}
}

func (r *Resolver) add(in generated.ReviewInput) *generated.Review {
	rv := review{id: "r" + strconv.Itoa(r.next()), upc: in.Upc, author: in.AuthorID, body: in.Body, stars: in.Stars}
	r.mu.Lock()
	r.reviews = append(r.reviews, rv)
	r.mu.Unlock()
	return toReview(rv)
}
