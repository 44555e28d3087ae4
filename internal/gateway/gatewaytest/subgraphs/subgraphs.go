// Package subgraphs assembles the gatewaytest subgraphs: six small gqlgen
// federation v2 subgraphs over in-memory data (accounts, products, reviews,
// inventory, shipping and the misbehaving faults) that together exercise
// every composition and execution feature the gateway supports.
//
// Each subgraph lives in its own package with its own gqlgen.yml; run
// go generate ./internal/gateway/gatewaytest/... to regenerate them.
// schema.graphqls is each subgraph's schema as composed; shipping's code is
// generated from a copy (shipping/gqlgen/schema.graphqls, written by
// shipping/gqlgenschema) whose @requires field sets keep only their
// top-level fields, because gqlgen's field-set parser reads neither
// arguments nor inline fragments; shipping reads its requirements from the
// whole representation (federation.requires.go).
package subgraphs

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/accounts"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/faults"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/inventory"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/products"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/reviews"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/shipping"
)

// Subgraph is one test subgraph: its name, its SDL and its handler.
type Subgraph struct {
	Name    string
	SDL     string
	Handler http.Handler
}

// Options tune the test world.
type Options struct {
	// SlowDelay is how long the faults subgraph takes to answer the slow
	// field (default 5s).
	SlowDelay time.Duration
}

// FirstID is the number of the first object a mutation creates; objects
// created later get the following numbers, across all subgraphs, so a
// mutation's results show the order in which its fields ran.
const FirstID = 101

// New returns every test subgraph over fresh data, sorted by name.
func New(opts Options) []Subgraph {
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 5 * time.Second
	}
	var seq atomic.Int64
	seq.Store(FirstID - 1)
	next := func() int { return int(seq.Add(1)) }
	return []Subgraph{
		{Name: "accounts", SDL: accounts.SDL, Handler: accounts.NewHandler(next)},
		{Name: "faults", SDL: faults.SDL, Handler: faults.NewHandler(opts.SlowDelay)},
		{Name: "inventory", SDL: inventory.SDL, Handler: inventory.NewHandler()},
		{Name: "products", SDL: products.SDL, Handler: products.NewHandler()},
		{Name: "reviews", SDL: reviews.SDL, Handler: reviews.NewHandler(next)},
		{Name: "shipping", SDL: shipping.SDL, Handler: shipping.NewHandler()},
	}
}

// World serves the test subgraphs and can reset their data between cases.
type World struct {
	opts     Options
	mu       sync.Mutex
	current  map[string]http.Handler
	subgraph []Subgraph
}

// NewWorld returns a world over fresh data.
func NewWorld(opts Options) *World {
	w := &World{opts: opts}
	w.Reset()
	return w
}

// Reset replaces every subgraph's data with a fresh copy.
func (w *World) Reset() {
	sgs := New(w.opts)
	cur := make(map[string]http.Handler, len(sgs))
	for _, sg := range sgs {
		cur[sg.Name] = sg.Handler
	}
	w.mu.Lock()
	w.current, w.subgraph = cur, sgs
	w.mu.Unlock()
}

// Subgraphs lists the subgraphs (name and SDL), sorted by name.
func (w *World) Subgraphs() []Subgraph {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.subgraph
}

// Handler returns a stable handler for the named subgraph that serves
// whatever data the world currently holds.
func (w *World) Handler(name string) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		h := w.current[name]
		w.mu.Unlock()
		if h == nil {
			http.NotFound(rw, r)
			return
		}
		h.ServeHTTP(rw, r)
	})
}
