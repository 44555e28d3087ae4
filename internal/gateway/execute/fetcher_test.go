package execute_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
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
