package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

// Composer selects who composed the supergraph the gateway runs on.
type Composer string

const (
	// Ours composes the test subgraphs with compose.Compose at start.
	Ours Composer = "ours"
	// Apollo loads testdata/supergraph.apollo.graphqls, composed by Apollo's
	// composition (oracle/compose.mjs).
	Apollo Composer = "apollo"
)

// Config tunes an Env. The zero value runs our composition with the
// gateway's default limits.
type Config struct {
	Composer Composer
	// SubgraphTimeout bounds each subgraph request (default 500ms; the
	// faults subgraph's slow field takes 5s).
	SubgraphTimeout time.Duration
	// MaxDepth, MaxAliases, MaxCost and PlanCacheSize are passed to
	// gateway.Options.
	MaxDepth, MaxAliases, MaxCost, PlanCacheSize int
}

// Env is a running gateway in front of the test subgraphs.
type Env struct {
	// URL is the gateway's GraphQL endpoint.
	URL string
	// Handler is the gateway's HTTP handler (for in-process requests).
	Handler http.Handler
	// Supergraph is the supergraph SDL the gateway runs on.
	Supergraph string
	// SubgraphURLs maps subgraph names to their httptest URLs.
	SubgraphURLs map[string]string

	world   *subgraphs.World
	headers *headerRecorder
	client  *http.Client
}

// Start starts the test subgraphs on httptest servers and the gateway,
// behind its own HTTP handler (Gateway.Handler), on another; everything stops when
// the test ends.
func Start(t testing.TB, cfg Config) *Env {
	t.Helper()
	env, err := start(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// start is Start returning the composition or gateway set-up error.
func start(t testing.TB, cfg Config) (*Env, error) {
	t.Helper()
	if cfg.Composer == "" {
		cfg.Composer = Ours
	}
	if cfg.SubgraphTimeout <= 0 {
		cfg.SubgraphTimeout = 500 * time.Millisecond
	}
	world := subgraphs.NewWorld(subgraphs.Options{SlowDelay: 5 * time.Second})
	rec := &headerRecorder{seen: map[string][]http.Header{}}
	urls := map[string]string{}
	var parts []compose.Subgraph
	for _, sg := range world.Subgraphs() {
		srv := httptest.NewServer(rec.wrap(sg.Name, world.Handler(sg.Name)))
		t.Cleanup(srv.Close)
		urls[sg.Name] = srv.URL
		parts = append(parts, compose.Subgraph{Name: sg.Name, URL: srv.URL, SDL: sg.SDL})
	}

	var sdl string
	switch cfg.Composer {
	case Ours:
		s, err := compose.Compose(parts)
		if err != nil {
			return nil, fmt.Errorf("compose the test subgraphs: %w", err)
		}
		sdl = s
	case Apollo:
		b, err := os.ReadFile(filepath.Join(packageDir(), "testdata", "supergraph.apollo.graphqls"))
		if err != nil {
			return nil, fmt.Errorf("read the Apollo supergraph: %w", err)
		}
		sdl = string(b)
	default:
		return nil, fmt.Errorf("unknown composer %q", cfg.Composer)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		return nil, fmt.Errorf("load the %s supergraph: %w", cfg.Composer, err)
	}
	fetcher := execute.NewHTTPFetcher(urls, execute.HTTPOptions{Timeout: cfg.SubgraphTimeout})
	gw, err := gateway.New(sg, gateway.Options{
		Fetcher:       fetcher,
		PlanCacheSize: cfg.PlanCacheSize,
		MaxDepth:      cfg.MaxDepth,
		MaxAliases:    cfg.MaxAliases,
		MaxCost:       cfg.MaxCost,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, fmt.Errorf("gateway.New: %w", err)
	}
	// The gateway's own handler, as serve and gateway mount it: its
	// transports decide the shape of request errors.
	h := gw.Handler(gateway.HandlerOptions{Logger: slog.New(slog.DiscardHandler), Introspection: true})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Env{
		URL:          srv.URL,
		Handler:      h,
		Supergraph:   sdl,
		SubgraphURLs: urls,
		world:        world,
		headers:      rec,
		client:       srv.Client(),
	}, nil
}

// SubgraphHeaders returns the headers of every request the named subgraph
// received since the last Reset, in arrival order.
func (e *Env) SubgraphHeaders(name string) []http.Header {
	e.headers.mu.Lock()
	defer e.headers.mu.Unlock()
	return append([]http.Header(nil), e.headers.seen[name]...)
}

type headerRecorder struct {
	mu   sync.Mutex
	seen map[string][]http.Header
}

func (r *headerRecorder) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen[name] = append(r.seen[name], req.Header.Clone())
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

func (r *headerRecorder) reset() {
	r.mu.Lock()
	clear(r.seen)
	r.mu.Unlock()
}

// Reset gives every subgraph fresh data (mutations change it).
func (e *Env) Reset() {
	e.world.Reset()
	e.headers.reset()
}

// Query posts the operation with its variables to the gateway and returns
// the response body.
func (e *Env) Query(t testing.TB, query string, vars map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	_, out := e.Post(t, body, nil)
	return out
}

// Post posts a raw body (content type application/json unless header says
// otherwise) to the gateway and returns the response and its body.
func (e *Env) Post(t testing.TB, body []byte, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	return e.do(t, req)
}

// Get sends a GET request with the given URL query (already encoded).
func (e *Env) Get(t testing.TB, rawQuery string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+"?"+rawQuery, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	// A GET is a simple request: the gateway's CSRF prevention runs it
	// only with a header a browser cannot send across origins unasked.
	req.Header.Set("Apollo-Require-Preflight", "true")
	return e.do(t, req)
}

func (e *Env) do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s gateway: %v", req.Method, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read gateway response: %v", err)
	}
	return res, out
}

// packageDir is this package's directory, so that the Apollo supergraph is
// found whichever package's test starts an Env.
func packageDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}
