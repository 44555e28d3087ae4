package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/compose"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
)

const liveSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { review(id: ID!): Review }
type Subscription { reviewAdded(product: ID): Review! }
type Review @key(fields: "id") { id: ID! body: String! product: Product! }
type Product @key(fields: "upc", resolvable: false) { upc: ID! }`

const productsSDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query { product(upc: ID!): Product }
type Product @key(fields: "upc") { upc: ID! name: String }`

// streams is a scripted Subscriber: each subscription gets the events sent
// on the channel of the test, and records its request.
type streams struct {
	mu       sync.Mutex
	requests []string
	events   chan string // "" completes the stream
	closed   chan struct{}
	refuse   error
}

type stream struct {
	s    *streams
	once sync.Once
}

func (s *streams) Subscribe(_ context.Context, _ string, req execute.Request) (subscribe.Stream, error) {
	if s.refuse != nil {
		return nil, s.refuse
	}
	s.mu.Lock()
	s.requests = append(s.requests, string(req.Body))
	s.mu.Unlock()
	return &stream{s: s}, nil
}

func (st *stream) Next(ctx context.Context) (execute.Response, error) {
	select {
	case ev := <-st.s.events:
		if ev == "" {
			return execute.Response{}, io.EOF
		}
		return execute.Response{StatusCode: 200, Body: []byte(ev)}, nil
	case <-ctx.Done():
		return execute.Response{}, ctx.Err()
	case <-st.s.closed:
		return execute.Response{}, errors.New("closed")
	}
}

func (st *stream) Close() error {
	st.once.Do(func() { close(st.s.closed) })
	return nil
}

func mustLiveSupergraph(t *testing.T) *supergraph.Supergraph {
	t.Helper()
	sdl, err := compose.Compose([]compose.Subgraph{
		{Name: "live", URL: "http://live.test", SDL: liveSDL},
		{Name: "products", URL: "http://products.test", SDL: productsSDL},
	})
	if err != nil {
		t.Fatal(err)
	}
	sg, err := supergraph.Parse(sdl)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func liveGateway(t *testing.T, s *streams, opts gateway.Options, hopts ...gateway.HandlerOptions) (*gateway.Gateway, string, *scripted) {
	t.Helper()
	sg := mustLiveSupergraph(t)
	f := &scripted{answer: func(r subgraphRequest) (int, string) {
		var reps []struct{ Upc string }
		json.Unmarshal(r.Variables["representations"], &reps) //nolint:errcheck
		if len(reps) == 1 && reps[0].Upc == "down" {
			return http.StatusBadGateway, "bad gateway"
		}
		out := make([]string, len(reps))
		for i, rep := range reps {
			out[i] = `{"name":"Product ` + rep.Upc + `"}`
		}
		return 200, `{"data":{"_entities":[` + strings.Join(out, ",") + `]}}`
	}}
	opts.Fetcher, opts.Subscriber = f, s
	gw, err := gateway.New(sg, opts)
	if err != nil {
		t.Fatal(err)
	}
	var ho gateway.HandlerOptions
	if len(hopts) > 0 {
		ho = hopts[0]
	}
	srv := httptest.NewServer(gw.Handler(ho))
	t.Cleanup(srv.Close)
	return gw, srv.URL, f
}

// sseEvents posts a subscription over SSE and sends each event's data on
// the returned channel, closed when the stream ends.
func sseEvents(t *testing.T, ctx context.Context, url, query string, vars map[string]any) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel) // before the server's Close, which waits for open streams
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	return streamData(t, req)
}

// streamData does req and sends each SSE event's data on the returned
// channel, closed when the stream ends.
func streamData(t *testing.T, req *http.Request) <-chan string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 16)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				out <- d
			}
		}
	}()
	return out
}

func recv(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case d, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return ""
}

func TestSubscriptionRunsThePlanPerEvent(t *testing.T) {
	s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
	gw, url, f := liveGateway(t, s, gateway.Options{})
	evs := sseEvents(t, context.Background(), url, `subscription($p: ID) { reviewAdded(product: $p) { body product { upc name } } }`, map[string]any{"p": "1"})

	s.events <- `{"data":{"reviewAdded":{"body":"good","product":{"__typename":"Product","upc":"1"}}}}`
	if got, want := recv(t, evs), `{"data":{"reviewAdded":{"body":"good","product":{"upc":"1","name":"Product 1"}}}}`; got != want {
		t.Errorf("event 1 = %s, want %s", got, want)
	}
	s.mu.Lock()
	up := s.requests[0]
	s.mu.Unlock()
	if !strings.HasPrefix(up, `{"query":"subscription`) || !strings.Contains(up, `reviewAdded(product:$p)`) || !strings.HasSuffix(up, `"variables":{"p":"1"}}`) {
		t.Errorf("upstream request %s", up)
	}

	// The entity fetch of one event fails: that event carries a coded
	// error at the field, with the rest of its data.
	s.events <- `{"data":{"reviewAdded":{"body":"meh","product":{"__typename":"Product","upc":"down"}}}}`
	var e2 struct {
		Data   map[string]map[string]any
		Errors []struct {
			Path       []any
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal([]byte(recv(t, evs)), &e2); err != nil {
		t.Fatal(err)
	}
	if e2.Data["reviewAdded"]["body"] != "meh" || len(e2.Errors) != 1 || e2.Errors[0].Extensions["code"] != execute.CodeHTTPError ||
		e2.Errors[0].Extensions["serviceName"] != "products" {
		t.Errorf("event 2 = %+v", e2)
	}

	// The subgraph's own error for an event: re-pathed, null propagated.
	s.events <- `{"data":null,"errors":[{"message":"review withdrawn","path":["reviewAdded"],"extensions":{"code":"GONE"}}]}`
	if got := recv(t, evs); !strings.Contains(got, `"message":"review withdrawn"`) || !strings.Contains(got, `"serviceName":"live"`) || !strings.HasSuffix(got, `"data":null}`) {
		t.Errorf("event 3 = %s", got)
	}

	s.events <- "" // the subgraph completes
	for range evs {
	}
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the subscription to end")
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.calls); n != 2 {
		t.Errorf("%d entity fetches for 3 events (one without data), want 2", n)
	}
}

func TestSubscriptionLimitAndCleanup(t *testing.T) {
	s := &streams{events: make(chan string), closed: make(chan struct{})}
	gw, url, _ := liveGateway(t, s, gateway.Options{MaxSubscriptions: 1})
	const q = `subscription { reviewAdded { body } }`
	ctx, cancel := context.WithCancel(context.Background())
	first := sseEvents(t, ctx, url, q, nil)
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 1 }, "the first subscription")

	second := recv(t, sseEvents(t, context.Background(), url, q, nil))
	if !strings.Contains(second, `"code":"SUBSCRIPTION_LIMIT_EXCEEDED"`) {
		t.Fatalf("second subscription: %s", second)
	}

	// The first client goes away: its upstream stream is closed and its
	// slot freed, though no event ever came.
	cancel()
	for range first {
	}
	select {
	case <-s.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream stream was not closed")
	}
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the slot to be freed")
}

// TestSubscriptionSelectsOneField: a subscription has exactly one root
// response key (GraphQL spec, Single root field), aliases included.
func TestSubscriptionSelectsOneField(t *testing.T) {
	s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
	gw, url, _ := liveGateway(t, s, gateway.Options{})
	for _, q := range []string{
		`subscription { a: reviewAdded { body } b: reviewAdded { body } }`,
		`subscription { ...F } fragment F on Subscription { a: reviewAdded { body } b: reviewAdded(product: "1") { body } }`,
		`subscription { __typename }`,
	} {
		got := recv(t, sseEvents(t, context.Background(), url, q, nil))
		if !strings.Contains(got, `"code":"GRAPHQL_VALIDATION_FAILED"`) {
			t.Errorf("%s: %s", q, got)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.requests); n != 0 || gw.OpenSubscriptions() != 0 {
		t.Errorf("%d upstream subscriptions opened for invalid operations", n)
	}
}

func TestSubscriptionRefusedUpstream(t *testing.T) {
	s := &streams{refuse: &execute.FetchError{Subgraph: "live", Code: execute.CodeTimeout, Err: errors.New("timed out after 10s")}}
	gw, url, _ := liveGateway(t, s, gateway.Options{})
	got := recv(t, sseEvents(t, context.Background(), url, `subscription { reviewAdded { body } }`, nil))
	if !strings.Contains(got, `"code":"SUBREQUEST_TIMEOUT"`) || !strings.Contains(got, `"path":["reviewAdded"]`) {
		t.Fatalf("refused upstream: %s", got)
	}
	if gw.OpenSubscriptions() != 0 {
		t.Fatal("a refused subscription still counts as open")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
