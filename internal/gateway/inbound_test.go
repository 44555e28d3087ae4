package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// gatedFetcher answers the shop supergraph's user(id:) and logout: a user's
// name is made of the forwarded Authorization and X-Tenant headers, so an
// answer shows whose request produced it. Queries wait for the gate;
// mutations do not.
type gatedFetcher struct {
	gate      chan struct{} // closed: queries answer
	queries   atomic.Int64
	mutations atomic.Int64
	cancelled atomic.Int64  // queries whose context ended before the gate opened
	started   chan struct{} // one value per query started (buffered)
	fail      bool          // queries answer a subgraph error
	delay     func() time.Duration
	forwarded []string // nil: the fetcher does not say what it forwards
}

func newGatedFetcher() *gatedFetcher {
	return &gatedFetcher{gate: make(chan struct{}), started: make(chan struct{}, 4096), forwarded: []string{"Authorization", "X-Tenant", "Traceparent"}}
}

func (f *gatedFetcher) Fetch(ctx context.Context, _ string, req execute.Request) (execute.Response, error) {
	var r struct {
		Query     string
		Variables map[string]any
	}
	if err := json.Unmarshal(req.Body, &r); err != nil {
		return execute.Response{}, err
	}
	if strings.Contains(r.Query, "logout") {
		f.mutations.Add(1)
		return execute.Response{StatusCode: 200, Body: []byte(`{"data":{"logout":true}}`)}, nil
	}
	f.queries.Add(1)
	f.started <- struct{}{}
	if f.delay != nil {
		time.Sleep(f.delay())
	} else {
		select {
		case <-f.gate:
		case <-ctx.Done():
			f.cancelled.Add(1)
			return execute.Response{}, ctx.Err()
		}
	}
	if f.fail {
		return execute.Response{StatusCode: 200, Body: []byte(`{"data":{"user":null},"errors":[{"message":"accounts is down","extensions":{"code":"DOWN"}}]}`)}, nil
	}
	in := execute.IncomingHeaders(ctx)
	name := strings.Join(in.Values("Authorization"), ",") + "|" + strings.Join(in.Values("X-Tenant"), ",")
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"user": map[string]any{"id": r.Variables["id"], "name": name}}})
	return execute.Response{StatusCode: 200, Body: b}, nil
}

// forwarding is a gatedFetcher that says which headers it forwards.
type forwarding struct{ *gatedFetcher }

func (f forwarding) ForwardedHeaders() []string { return f.forwarded }

type dedupWorld struct {
	gw  *gateway.Gateway
	srv *httptest.Server
	f   *gatedFetcher
	reg *prometheus.Registry
}

func newDedupWorld(t *testing.T, dedup, tells bool) *dedupWorld {
	t.Helper()
	w := &dedupWorld{f: newGatedFetcher(), reg: prometheus.NewRegistry()}
	var fetcher execute.Fetcher = w.f
	if tells {
		fetcher = forwarding{w.f}
	}
	gw, err := gateway.New(mustSupergraph(t), gateway.Options{Fetcher: fetcher, DedupInbound: dedup, Metrics: w.reg})
	if err != nil {
		t.Fatal(err)
	}
	w.gw = gw
	w.srv = httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
	t.Cleanup(w.srv.Close)
	return w
}

// dedupRequest is one client request.
type dedupRequest struct {
	query   string
	name    string
	vars    map[string]any
	headers http.Header
}

const userQuery = `query U($id: ID!) { user(id: $id) { id name } }`

func userRequest(auth, id string) dedupRequest {
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return dedupRequest{query: userQuery, vars: map[string]any{"id": id}, headers: h}
}

type dedupAnswer struct {
	status int
	body   string
	err    error
}

func (w *dedupWorld) send(ctx context.Context, r dedupRequest) dedupAnswer {
	body, _ := json.Marshal(map[string]any{"query": r.query, "variables": r.vars, "operationName": r.name})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.srv.URL, bytes.NewReader(body))
	for k, v := range r.headers {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		return dedupAnswer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return dedupAnswer{status: resp.StatusCode, body: string(b), err: err}
}

// sendAsync sends r and delivers its answer on the returned channel.
func (w *dedupWorld) sendAsync(ctx context.Context, r dedupRequest) <-chan dedupAnswer {
	ch := make(chan dedupAnswer, 1)
	go func() { ch <- w.send(ctx, r) }()
	return ch
}

func wantUser(t *testing.T, a dedupAnswer, id, name string) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("request failed: %v", a.err)
	}
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	jsonEq(t, json.RawMessage(a.body), fmt.Sprintf(`{"data":{"user":{"id":%q,"name":%q}}}`, id, name))
}

// dedupCount reads citizengraph_gateway_inbound_dedup_total{role}.
func (w *dedupWorld) dedupCount(role string) float64 {
	mfs, err := w.reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "citizengraph_gateway_inbound_dedup_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "role" && l.GetValue() == role {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestInboundDedupSharesIdenticalQueries: identical queries in flight at
// once — the same text, or the same operation written differently — run
// once, and every caller gets the whole answer.
func TestInboundDedupSharesIdenticalQueries(t *testing.T) {
	w := newDedupWorld(t, true, true)
	ctx := context.Background()
	const n = 20
	first := w.sendAsync(ctx, userRequest("Bearer a", "1"))
	<-w.f.started
	answers := []<-chan dedupAnswer{first}
	for i := 1; i < n; i++ {
		r := userRequest("Bearer a", "1")
		if i%2 == 0 {
			// The same operation, formatted otherwise and with a header the
			// fetcher does not forward.
			r.query = "query U($id:ID!){\n  user(id:$id){ id,  name }}  # same"
			r.headers.Set("User-Agent", fmt.Sprintf("client-%d", i))
		}
		answers = append(answers, w.sendAsync(ctx, r))
	}
	waitFor(t, func() bool { return w.gw.DedupFollowers() == n-1 }, "the followers")
	close(w.f.gate)
	for _, ch := range answers {
		wantUser(t, <-ch, "1", "Bearer a|")
	}
	if got := w.f.queries.Load(); got != 1 {
		t.Fatalf("%d subgraph queries, want 1", got)
	}
	if l, f := w.dedupCount("leader"), w.dedupCount("follower"); l != 1 || f != n-1 {
		t.Fatalf("metrics: %v leaders, %v followers; want 1 and %d", l, f, n-1)
	}
}

// TestInboundDedupKeepsCallersApart: a query differing from one in flight
// in anything that can change its answer — Authorization, any forwarded
// header or any of its values, variables, operation name — runs on its
// own and gets its own answer.
func TestInboundDedupKeepsCallersApart(t *testing.T) {
	base := func() dedupRequest {
		r := userRequest("Bearer a", "1")
		r.headers.Set("X-Tenant", "t1")
		r.headers.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		return r
	}
	cases := []struct {
		name   string
		tells  bool // the fetcher says which headers it forwards
		change func(r *dedupRequest)
	}{
		{"authorization", true, func(r *dedupRequest) { r.headers.Set("Authorization", "Bearer b") }},
		{"authorization case", true, func(r *dedupRequest) { r.headers.Set("Authorization", "bearer a") }},
		{"no authorization", true, func(r *dedupRequest) { r.headers.Del("Authorization") }},
		{"second authorization value", true, func(r *dedupRequest) { r.headers.Add("Authorization", "Bearer b") }},
		{"forwarded header", true, func(r *dedupRequest) { r.headers.Set("X-Tenant", "t2") }},
		{"forwarded header absent", true, func(r *dedupRequest) { r.headers.Del("X-Tenant") }},
		{"trace context", true, func(r *dedupRequest) {
			r.headers.Set("Traceparent", "00-1af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		}},
		{"variables", true, func(r *dedupRequest) { r.vars = map[string]any{"id": "2"} }},
		{"variable type", true, func(r *dedupRequest) { r.vars = map[string]any{"id": 1} }},
		{"operation", true, func(r *dedupRequest) { r.query = `query U($id: ID!) { user(id: $id) { name id } }` }},
		{"operation name", true, func(r *dedupRequest) {
			r.query = `query U($id: ID!) { user(id: $id) { id name } } query V($id: ID!) { user(id: $id) { id name } }`
			r.name = "V"
		}},
		{"any header when the fetcher does not tell", false, func(r *dedupRequest) { r.headers.Set("X-Other", "x") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newDedupWorld(t, true, c.tells)
			ctx := context.Background()
			a := base()
			if c.name == "operation name" {
				a.query, a.name = `query U($id: ID!) { user(id: $id) { id name } } query V($id: ID!) { user(id: $id) { id name } }`, "U"
			}
			b := base()
			b.query, b.name = a.query, a.name
			c.change(&b)
			first := w.sendAsync(ctx, a)
			<-w.f.started
			second := w.sendAsync(ctx, b)
			// The second request reaches the subgraph itself: it did not
			// join the first, which cannot end before the gate opens.
			select {
			case <-w.f.started:
			case <-time.After(10 * time.Second):
				t.Fatal("the second request joined the first")
			}
			close(w.f.gate)
			ra, rb := <-first, <-second
			wantUser(t, ra, "1", "Bearer a|t1")
			id, _ := b.vars["id"].(string)
			if id == "" {
				id = "1"
			}
			name := strings.Join(b.headers.Values("Authorization"), ",") + "|" + strings.Join(b.headers.Values("X-Tenant"), ",")
			wantUser(t, rb, id, name)
			if f := w.dedupCount("follower"); f != 0 {
				t.Fatalf("%v followers", f)
			}
		})
	}
}

// TestInboundDedupPropagatesErrors: every caller sharing an execution gets
// its errors.
func TestInboundDedupPropagatesErrors(t *testing.T) {
	w := newDedupWorld(t, true, true)
	w.f.fail = true
	ctx := context.Background()
	const n = 8
	answers := []<-chan dedupAnswer{w.sendAsync(ctx, userRequest("Bearer a", "1"))}
	<-w.f.started
	for i := 1; i < n; i++ {
		answers = append(answers, w.sendAsync(ctx, userRequest("Bearer a", "1")))
	}
	waitFor(t, func() bool { return w.gw.DedupFollowers() == n-1 }, "the followers")
	close(w.f.gate)
	var first string
	for i, ch := range answers {
		a := <-ch
		if a.err != nil || !strings.Contains(a.body, `"accounts is down"`) || !strings.Contains(a.body, `"data":{"user":null}`) {
			t.Fatalf("answer %d: %v %s", i, a.err, a.body)
		}
		if i == 0 {
			first = a.body
		} else if a.body != first {
			t.Fatalf("answer %d differs:\n%s\n%s", i, a.body, first)
		}
	}
	if got := w.f.queries.Load(); got != 1 {
		t.Fatalf("%d subgraph queries, want 1", got)
	}
}

// TestInboundDedupSurvivesTheLeadersDisconnect: the caller whose request
// started the shared execution goes away; the execution goes on and the
// others get their answer. A follower that goes away does not disturb the
// rest either.
func TestInboundDedupSurvivesTheLeadersDisconnect(t *testing.T) {
	w := newDedupWorld(t, true, true)
	leaderCtx, leaderGone := context.WithCancel(context.Background())
	leader := w.sendAsync(leaderCtx, userRequest("Bearer a", "1"))
	<-w.f.started
	const n = 6
	var answers []<-chan dedupAnswer
	for i := 0; i < n; i++ {
		answers = append(answers, w.sendAsync(context.Background(), userRequest("Bearer a", "1")))
	}
	quitterCtx, quitterGone := context.WithCancel(context.Background())
	quitter := w.sendAsync(quitterCtx, userRequest("Bearer a", "1"))
	waitFor(t, func() bool { return w.gw.DedupFollowers() == n+1 }, "the followers")
	leaderGone()
	quitterGone()
	if a := <-leader; a.err == nil {
		t.Fatalf("the leader's client got an answer after leaving: %s", a.body)
	}
	if a := <-quitter; a.err == nil {
		t.Fatalf("the quitter's client got an answer after leaving: %s", a.body)
	}
	waitFor(t, func() bool { return w.gw.DedupFollowers() == n }, "the quitter to leave")
	close(w.f.gate)
	for _, ch := range answers {
		wantUser(t, <-ch, "1", "Bearer a|")
	}
	if q, c := w.f.queries.Load(), w.f.cancelled.Load(); q != 1 || c != 0 {
		t.Fatalf("%d subgraph queries, %d cancelled; want 1 and 0", q, c)
	}
}

// TestInboundDedupCancelledWhenEveryCallerLeaves: when the last caller
// waiting for a shared execution goes away, the execution is cancelled,
// and a new identical query starts afresh.
func TestInboundDedupCancelledWhenEveryCallerLeaves(t *testing.T) {
	w := newDedupWorld(t, true, true)
	ctx, gone := context.WithCancel(context.Background())
	leader := w.sendAsync(ctx, userRequest("Bearer a", "1"))
	<-w.f.started
	follower := w.sendAsync(ctx, userRequest("Bearer a", "1"))
	waitFor(t, func() bool { return w.gw.DedupFollowers() == 1 }, "the follower")
	gone()
	<-leader
	<-follower
	waitFor(t, func() bool { return w.f.cancelled.Load() == 1 }, "the subgraph request to be cancelled")
	fresh := w.sendAsync(context.Background(), userRequest("Bearer a", "1"))
	<-w.f.started
	close(w.f.gate)
	wantUser(t, <-fresh, "1", "Bearer a|")
}

// TestInboundDedupNeverSharesMutations: identical mutations each run, and
// a query sent after a mutation's answer does not join an identical query
// that started before it.
func TestInboundDedupNeverSharesMutations(t *testing.T) {
	w := newDedupWorld(t, true, true)
	ctx := context.Background()
	m := dedupRequest{query: `mutation { logout }`, headers: http.Header{"Authorization": {"Bearer a"}}}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a := w.send(ctx, m); a.body != `{"data":{"logout":true}}` {
				t.Errorf("mutation: %v %s", a.err, a.body)
			}
		}()
	}
	wg.Wait()
	if got := w.f.mutations.Load(); got != 10 {
		t.Fatalf("%d mutations reached the subgraph, want 10", got)
	}

	before := w.sendAsync(ctx, userRequest("Bearer a", "1"))
	<-w.f.started
	if a := w.send(ctx, m); a.err != nil {
		t.Fatal(a.err)
	}
	after := w.sendAsync(ctx, userRequest("Bearer a", "1"))
	select {
	case <-w.f.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the query sent after the mutation joined one from before it")
	}
	close(w.f.gate)
	wantUser(t, <-before, "1", "Bearer a|")
	wantUser(t, <-after, "1", "Bearer a|")
}

// TestInboundDedupOff: without the option identical queries each run.
func TestInboundDedupOff(t *testing.T) {
	w := newDedupWorld(t, false, true)
	ctx := context.Background()
	const n = 5
	var answers []<-chan dedupAnswer
	for i := 0; i < n; i++ {
		answers = append(answers, w.sendAsync(ctx, userRequest("Bearer a", "1")))
	}
	for i := 0; i < n; i++ {
		<-w.f.started
	}
	close(w.f.gate)
	for _, ch := range answers {
		wantUser(t, <-ch, "1", "Bearer a|")
	}
}

// TestInboundDedupNoCrossCallerAnswers: many callers, with tokens and
// variables drawn from small sets so that executions are shared, sending
// concurrently through subgraph answers of random latency: every caller
// gets the answer for its own token, tenant and variables, never another's,
// and some answers were shared.
func TestInboundDedupNoCrossCallerAnswers(t *testing.T) {
	w := newDedupWorld(t, true, true)
	w.f.delay = func() time.Duration { return time.Duration(rand.IntN(3000)) * time.Microsecond }
	const workers, each = 24, 25
	var wg sync.WaitGroup
	var bad atomic.Int64
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				auth := fmt.Sprintf("Bearer user-%d", rand.IntN(3))
				tenant := fmt.Sprintf("t%d", rand.IntN(2))
				id := fmt.Sprint(rand.IntN(2))
				r := userRequest(auth, id)
				r.headers.Set("X-Tenant", tenant)
				a := w.send(context.Background(), r)
				want := fmt.Sprintf(`{"data":{"user":{"id":%q,"name":%q}}}`, id, auth+"|"+tenant)
				if a.err != nil || a.body != want {
					if bad.Add(1) < 5 {
						t.Errorf("got %v %s, want %s", a.err, a.body, want)
					}
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("%d wrong answers", bad.Load())
	}
	if f := w.dedupCount("follower"); f == 0 {
		t.Fatal("no answer was shared: the test did not exercise sharing")
	}
	t.Logf("%v of %d answers shared", w.dedupCount("follower"), workers*each)
}

// TestRecycledBodiesStayWithTheirRequest: subgraph answers of different
// sizes, with and without Content-Length, read into recycled buffers by
// the HTTP fetcher, for concurrent requests with and without inbound
// deduplication: every client gets exactly its own answer.
func TestRecycledBodiesStayWithTheirRequest(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Variables map[string]any }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		id, _ := req.Variables["id"].(string)
		var n int
		_, _ = fmt.Sscanf(id, "%d", &n)
		name := strings.Repeat(string(rune('a'+n%26)), n*397%70000) + id
		b, _ := json.Marshal(map[string]any{"data": map[string]any{"user": map[string]any{"id": id, "name": name}}})
		w.Header().Set("Content-Type", "application/json")
		if n%2 == 0 {
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		}
		time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
		_, _ = w.Write(b)
	}))
	defer upstream.Close()
	for _, dedup := range []bool{false, true} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			sg := mustSupergraph(t)
			urls := sg.URLs()
			for name := range urls {
				urls[name] = upstream.URL
			}
			gw, err := gateway.New(sg, gateway.Options{Fetcher: execute.NewHTTPFetcher(urls, execute.HTTPOptions{DedupInflight: dedup}), DedupInbound: dedup})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
			defer srv.Close()
			w := &dedupWorld{gw: gw, srv: srv}
			var wg sync.WaitGroup
			var bad atomic.Int64
			for i := 0; i < 16; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < 25; j++ {
						n := rand.IntN(60)
						id := fmt.Sprint(n)
						a := w.send(context.Background(), userRequest("", id))
						name := strings.Repeat(string(rune('a'+n%26)), n*397%70000) + id
						want, _ := json.Marshal(map[string]any{"data": map[string]any{"user": map[string]any{"id": id, "name": name}}})
						if a.err != nil || a.body != string(want) {
							if bad.Add(1) < 3 {
								t.Errorf("request %s: %v, %d bytes, want %d", id, a.err, len(a.body), len(want))
							}
						}
					}
				}()
			}
			wg.Wait()
			if bad.Load() > 0 {
				t.Fatalf("%d wrong answers", bad.Load())
			}
		})
	}
}

// poisoning hands out subgraph bodies that are overwritten when released:
// an answer read after its Release shows the poison.
type poisoning struct {
	next     execute.Fetcher
	released atomic.Int64
}

func (p *poisoning) Fetch(ctx context.Context, subgraph string, req execute.Request) (execute.Response, error) {
	resp, err := p.next.Fetch(ctx, subgraph, req)
	if err != nil {
		return resp, err
	}
	body := bytes.Clone(resp.Body)
	resp.Body = body
	resp.Release = func() {
		p.released.Add(1)
		for i := range body {
			body[i] = 'X'
		}
	}
	return resp, nil
}

// TestReleasedBodiesAreNotRead: the gateway releases a subgraph body only
// once the client's answer no longer needs it, with and without inbound
// deduplication.
func TestReleasedBodiesAreNotRead(t *testing.T) {
	for _, dedup := range []bool{false, true} {
		t.Run(fmt.Sprintf("dedup=%v", dedup), func(t *testing.T) {
			f := newGatedFetcher()
			f.delay = func() time.Duration { return time.Duration(rand.IntN(300)) * time.Microsecond }
			p := &poisoning{next: forwarding{f}}
			gw, err := gateway.New(mustSupergraph(t), gateway.Options{Fetcher: p, DedupInbound: dedup})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
			defer srv.Close()
			w := &dedupWorld{gw: gw, srv: srv}
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < 20; j++ {
						id := fmt.Sprint(rand.IntN(3))
						a := w.send(context.Background(), userRequest("Bearer a", id))
						want := fmt.Sprintf(`{"data":{"user":{"id":%q,"name":"Bearer a|"}}}`, id)
						if a.err != nil || a.body != want {
							t.Errorf("got %v %s, want %s", a.err, a.body, want)
							return
						}
					}
				}()
			}
			wg.Wait()
			if p.released.Load() == 0 {
				t.Fatal("no body was released")
			}
		})
	}
}
