package execute_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/guard"
)

func TestHTTPFetcher(t *testing.T) {
	var conns atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "content type", 400)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"data":{"auth":"` + r.Header.Get("Authorization") + `","tp":"` + r.Header.Get("Traceparent") + `"}}`))
		case "/500":
			http.Error(w, "down", http.StatusInternalServerError)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(release)
	f := execute.NewHTTPFetcher(map[string]string{
		"ok": srv.URL + "/ok", "down": srv.URL + "/500", "slow": srv.URL + "/slow",
	}, execute.HTTPOptions{Timeout: 5 * time.Second, Timeouts: map[string]time.Duration{"slow": 50 * time.Millisecond}})

	in := http.Header{}
	in.Set("Authorization", "Bearer t1")
	in.Set("Traceparent", "00-abc-def-01")
	in.Set("Cookie", "secret")
	ctx := execute.WithForwardHeaders(context.Background(), in)
	for range 5 {
		resp, err := f.Fetch(ctx, "ok", execute.Request{Body: []byte(`{"query":"{a}"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != `{"data":{"auth":"Bearer t1","tp":"00-abc-def-01"}}` {
			t.Fatalf("body %s", resp.Body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 5 sequential requests: keep-alive not reused", n)
	}

	resp, err := f.Fetch(ctx, "down", execute.Request{Body: []byte(`{}`)})
	if err != nil || resp.StatusCode != 500 {
		t.Fatalf("500: %v %d", err, resp.StatusCode)
	}

	_, err = f.Fetch(ctx, "slow", execute.Request{Body: []byte(`{}`)})
	var fe *execute.FetchError
	if !errors.As(err, &fe) || fe.Code != execute.CodeTimeout || fe.Subgraph != "slow" {
		t.Fatalf("timeout: %v", err)
	}

	_, err = f.Fetch(ctx, "nowhere", execute.Request{})
	if !errors.As(err, &fe) || fe.Code != execute.CodeUnknownSubgraph {
		t.Fatalf("unknown subgraph: %v", err)
	}
}

func TestInProcessFetcher(t *testing.T) {
	f := execute.NewInProcessFetcher(map[string]http.Handler{
		"a": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte(`{"data":{"auth":"` + r.Header.Get("Authorization") + `"}}`))
		}),
	})
	in := http.Header{}
	in.Set("Authorization", "Bearer x")
	resp, err := f.Fetch(execute.WithForwardHeaders(context.Background(), in), "a", execute.Request{Body: []byte(`{}`)})
	if err != nil || resp.StatusCode != http.StatusTeapot || string(resp.Body) != `{"data":{"auth":"Bearer x"}}` {
		t.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
	}
}

// TestInProcessFetcherRecyclesBodies: answers of every size come back
// whole, written in one piece or many; a body is reused only after its
// Release, never while it is held.
func TestInProcessFetcherRecyclesBodies(t *testing.T) {
	f := execute.NewInProcessFetcher(map[string]http.Handler{
		"a": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var req struct{ N, Chunk int }
			if err := json.Unmarshal(body, &req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			out := answer(req.N)
			for len(out) > 0 {
				n := min(len(out), max(req.Chunk, 1))
				_, _ = w.Write(out[:n])
				out = out[n:]
			}
		}),
	})
	ctx := context.Background()
	var held []execute.Response
	var sizes []int
	for i, n := range []int{0, 10, 1000, 4000, 5000, 70000, 300000, 10, 4000, 70000} {
		for _, chunk := range []int{1 << 30, 1000, 7} {
			resp, err := f.Fetch(ctx, "a", execute.Request{Body: []byte(fmt.Sprintf(`{"N":%d,"Chunk":%d}`, n, chunk))})
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(resp.Body, answer(n)) {
				t.Fatalf("%d bytes in chunks of %d: %v %d, %d bytes", n, chunk, err, resp.StatusCode, len(resp.Body))
			}
			if resp.Release == nil {
				t.Fatal("no Release")
			}
			if i%2 == 0 {
				held = append(held, resp)
				sizes = append(sizes, n)
			} else {
				resp.Release()
			}
		}
	}
	for i, resp := range held {
		if !bytes.Equal(resp.Body, answer(sizes[i])) {
			t.Fatalf("a held body of %d bytes changed while others were recycled", sizes[i])
		}
		resp.Release()
	}
}

// answer is a JSON response with a string of n bytes, its bytes varying.
func answer(n int) []byte {
	b := make([]byte, 0, n+32)
	b = append(b, `{"data":{"s":"`...)
	for i := range n {
		b = append(b, 'a'+byte(i*7%26))
	}
	return append(b, `"}}`...)
}

// TestInProcessFetcherCarriesThePrincipal: a subgraph behind
// auth.Middleware reached through the in-process fetcher takes the
// principal the gateway's Middleware verified for the forwarded
// Authorization, without verifying it again; over HTTP, the same
// subgraph verifies it.
func TestInProcessFetcherCarriesThePrincipal(t *testing.T) {
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: -1}, iss.PublicKey())
	tok, err := iss.Token(auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	subgraph := auth.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		fc := ""
		if p != nil {
			fc = p.FiscalCode
		}
		_, _ = w.Write([]byte(`{"data":{"me":"` + fc + `"}}`))
	}))
	f := execute.NewInProcessFetcher(map[string]http.Handler{"a": subgraph})
	var got []string
	gateway := auth.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := execute.WithForwardHeaders(r.Context(), r.Header)
		for range 3 {
			resp, err := f.Fetch(ctx, "a", execute.Request{Body: []byte(`{}`)})
			if err != nil {
				t.Error(err)
				return
			}
			got = append(got, string(resp.Body))
		}
	}))
	srv := httptest.NewServer(gateway)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `{"data":{"me":"RSSMRA85T10A562S"}}`
	if len(got) != 3 || got[0] != want || got[1] != want || got[2] != want {
		t.Fatalf("hops answered %q", got)
	}
	if n := v.Verifications(); n != 1 {
		t.Fatalf("%d verifications for a request and three hops, want 1", n)
	}
	// The subgraph over HTTP verifies.
	sub := httptest.NewServer(subgraph)
	defer sub.Close()
	req, _ = http.NewRequest(http.MethodPost, sub.URL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != want || v.Verifications() != 2 {
		t.Fatalf("over HTTP: %s, %d verifications", body, v.Verifications())
	}
}

func TestHTTPFetcherDeduplicatesOnlyIdenticalInflightQueries(t *testing.T) {
	var hits atomic.Int64
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
		_, _ = w.Write([]byte(`{"data":{"a":1}}`))
	}))
	defer srv.Close()
	f := execute.NewHTTPFetcher(map[string]string{"s": srv.URL}, execute.HTTPOptions{DedupInflight: true})
	auth := func(tok string) context.Context {
		h := http.Header{}
		h.Set("Authorization", tok)
		return execute.WithForwardHeaders(context.Background(), h)
	}
	type call struct {
		ctx        context.Context
		idempotent bool
	}
	calls := []call{{auth("A"), true}, {auth("A"), true}, {auth("A"), true}, {auth("B"), true}, {auth("A"), false}}
	done := make(chan error, len(calls))
	var releasable atomic.Int64
	for _, c := range calls {
		go func() {
			resp, err := f.Fetch(c.ctx, "s", execute.Request{Body: []byte(`{"query":"{a}"}`), Idempotent: c.idempotent})
			if err == nil && string(resp.Body) != `{"data":{"a":1}}` {
				err = errors.New("wrong body " + string(resp.Body))
			}
			if resp.Release != nil {
				releasable.Add(1)
			}
			done <- err
		}()
	}
	// Three distinct round trips: token A (shared by three), token B, and
	// the non-idempotent request. Wait until all three reached the server.
	for hits.Load() < 3 {
		runtime.Gosched()
	}
	close(gate)
	for range calls {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 3 {
		t.Fatalf("%d round trips, want 3", n)
	}
	// A body shared by several callers is never recycled: only the two
	// answers of a single caller may be released.
	if n := releasable.Load(); n != 2 {
		t.Fatalf("%d releasable answers, want 2", n)
	}
}

func TestHTTPFetcherForwardHeadersConfigurable(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{}}`)) //nolint:errcheck
	}))
	defer srv.Close()
	in := http.Header{}
	in.Set("Authorization", "Bearer secret")
	in.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	in.Set("Cookie", "session=1")
	ctx := execute.WithForwardHeaders(context.Background(), in)
	for _, c := range []struct {
		name    string
		headers []string
		want    map[string]bool
	}{
		{"default", nil, map[string]bool{"Authorization": true, "Traceparent": true, "Cookie": false}},
		{"none", []string{}, map[string]bool{"Authorization": false, "Traceparent": false, "Cookie": false}},
		{"trace only", []string{"Traceparent"}, map[string]bool{"Authorization": false, "Traceparent": true, "Cookie": false}},
	} {
		f := execute.NewHTTPFetcher(map[string]string{"a": srv.URL}, execute.HTTPOptions{ForwardHeaders: c.headers})
		if _, err := f.Fetch(ctx, "a", execute.Request{Body: []byte(`{"query":"{a}"}`)}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for h, want := range c.want {
			if (got.Get(h) != "") != want {
				t.Errorf("%s: header %s forwarded = %v, want %v", c.name, h, got.Get(h) != "", want)
			}
		}
	}
}

// echoExec answers every operation with its query.
type echoExec struct{}

func (echoExec) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query}, nil
}

func (echoExec) DispatchOperation(ctx context.Context, oc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	data, _ := json.Marshal(map[string]any{"query": oc.RawQuery})
	return graphql.OneShot(&graphql.Response{Data: data}), ctx
}

func (echoExec) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

// TestInProcessFetcherHandsParams: a request's decoded parameters reach
// the subgraph's POST transport, which serves them instead of the body;
// without them, or with files (multipart), the body is what it serves.
func TestInProcessFetcherHandsParams(t *testing.T) {
	post := guard.Front(guard.FrontOptions{MaxUploadBytes: 1 << 20}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			_, _ = w.Write([]byte(`{"data":{"multipart":true}}`))
			return
		}
		guard.POST{}.Do(w, r, echoExec{})
	}))
	f := execute.NewInProcessFetcher(map[string]http.Handler{"a": post})
	if !f.TakesParams() {
		t.Fatal("the in-process fetcher takes no params")
	}
	body := []byte(`{"query":"{ sent }"}`)
	given := &graphql.RawParams{Query: "{ given }"}
	for _, c := range []struct {
		req  execute.Request
		want string
	}{
		{execute.Request{Body: body, Params: given}, `{"data":{"query":"{ given }"}}`},
		{execute.Request{Body: body}, `{"data":{"query":"{ sent }"}}`},
		{execute.Request{Body: body, Params: given, Files: []execute.File{{Paths: []string{"variables.f"}, Filename: "f", Size: 1, Content: strings.NewReader("x")}}}, `{"data":{"multipart":true}}`},
	} {
		resp, err := f.Fetch(context.Background(), "a", c.req)
		if err != nil || string(resp.Body) != c.want {
			t.Fatalf("%+v: %v %s, want %s", c.req.Params, err, resp.Body, c.want)
		}
	}
}
