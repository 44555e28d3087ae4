package execute_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
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
