package subscribe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
)

// subgraph answers subscriptions the way gqlgen's SSE transport does,
// with a script chosen by the query text, and records what it was sent.
type subgraph struct {
	gotAuth, gotAccept chan string
	gotBody            chan string
	released           chan struct{} // closed when a "forever" stream's request ends
}

func newSubgraph() *subgraph {
	return &subgraph{gotAuth: make(chan string, 8), gotAccept: make(chan string, 8), gotBody: make(chan string, 8), released: make(chan struct{})}
}

func (s *subgraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.gotAuth <- r.Header.Get("Authorization")
	s.gotAccept <- r.Header.Get("Accept")
	s.gotBody <- string(body)
	f := w.(http.Flusher)
	event := func(s string) {
		fmt.Fprint(w, s)
		f.Flush()
	}
	switch q := string(body); {
	case strings.Contains(q, "twoEvents"):
		w.Header().Set("Content-Type", "text/event-stream")
		event(":\n\n")
		event("event: next\ndata: {\"data\":{\"n\":1}}\n\n")
		event(": ping\n\n")
		event("event: next\ndata: {\"data\":\ndata: {\"n\":2}}\n\n")
		event("event: complete\n\n")
	case strings.Contains(q, "long"):
		w.Header().Set("Content-Type", "text/event-stream")
		event("event: next\ndata: {\"data\":{\"s\":\"" + strings.Repeat("x", 100<<10) + "\"}}\n\n")
		event("event: complete\n\n")
	case strings.Contains(q, "cutShort"):
		w.Header().Set("Content-Type", "text/event-stream")
		event("event: next\ndata: {\"data\":{\"n\":1}}\n\n")
	case strings.Contains(q, "forever"):
		w.Header().Set("Content-Type", "text/event-stream")
		event("event: next\ndata: {\"data\":{\"n\":1}}\n\n")
		<-r.Context().Done()
		close(s.released)
	case strings.Contains(q, "rejected"):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"errors":[{"message":"Cannot query field \"rejected\""}],"data":null}`)
	case strings.Contains(q, "html"):
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>")
	default:
		http.Error(w, "boom", http.StatusBadGateway)
	}
}

func subscribers(t *testing.T, sg *subgraph) map[string]subscribe.Subscriber {
	srv := httptest.NewServer(sg)
	t.Cleanup(srv.Close)
	return map[string]subscribe.Subscriber{
		"http":       subscribe.NewHTTP(map[string]string{"live": srv.URL}, subscribe.HTTPOptions{}),
		"in-process": subscribe.NewInProcess(map[string]http.Handler{"live": sg}),
	}
}

func request(field string) execute.Request {
	return execute.Request{Body: []byte(`{"query":"subscription { ` + field + ` }","variables":{}}`)}
}

func TestEventsThenComplete(t *testing.T) {
	sg := newSubgraph()
	for name, sub := range subscribers(t, sg) {
		t.Run(name, func(t *testing.T) {
			ctx := execute.WithForwardHeaders(context.Background(), http.Header{"Authorization": {"Bearer t1"}, "Cookie": {"secret"}})
			st, err := sub.Subscribe(ctx, "live", request("twoEvents"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if a := <-sg.gotAuth; a != "Bearer t1" {
				t.Errorf("Authorization forwarded as %q", a)
			}
			if a := <-sg.gotAccept; a != "text/event-stream" {
				t.Errorf("Accept = %q", a)
			}
			if b := <-sg.gotBody; b != string(request("twoEvents").Body) {
				t.Errorf("body = %s", b)
			}
			for _, want := range []string{`{"data":{"n":1}}`, "{\"data\":\n{\"n\":2}}"} {
				ev, err := st.Next(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if string(ev.Body) != want || ev.StatusCode != http.StatusOK {
					t.Errorf("event %d %q, want %q", ev.StatusCode, ev.Body, want)
				}
			}
			for range 2 {
				if _, err := st.Next(context.Background()); !errors.Is(err, io.EOF) {
					t.Fatalf("after complete: %v, want io.EOF", err)
				}
			}
		})
	}
}

func TestLongEvent(t *testing.T) {
	for name, sub := range subscribers(t, newSubgraph()) {
		t.Run(name, func(t *testing.T) {
			st, err := sub.Subscribe(context.Background(), "live", request("long"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			ev, err := st.Next(context.Background())
			if err != nil || len(ev.Body) != len(`{"data":{"s":""}}`)+100<<10 {
				t.Fatalf("long event: %d bytes, %v", len(ev.Body), err)
			}
		})
	}
}

func TestBrokenAndRejectedStreams(t *testing.T) {
	for name, sub := range subscribers(t, newSubgraph()) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sub.Subscribe(ctx, "live", request("cutShort"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, err = st.Next(context.Background())
			var fe *execute.FetchError
			if !errors.As(err, &fe) || fe.Code != execute.CodeHTTPError || !strings.Contains(err.Error(), "without completing") {
				t.Fatalf("stream cut short: %v", err)
			}

			// A subgraph that rejects the operation with a JSON answer: one
			// event carrying its errors, then the end.
			st, err = sub.Subscribe(ctx, "live", request("rejected"))
			if err != nil {
				t.Fatal(err)
			}
			ev, err := st.Next(context.Background())
			if err != nil || !strings.Contains(string(ev.Body), `Cannot query field`) {
				t.Fatalf("rejected: %q %v", ev.Body, err)
			}
			if _, err := st.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Fatalf("rejected, then: %v", err)
			}

			for q, code := range map[string]string{"html": execute.CodeMalformedResponse, "other": execute.CodeHTTPError} {
				_, err := sub.Subscribe(ctx, "live", request(q))
				if !errors.As(err, &fe) || fe.Code != code || fe.Subgraph != "live" {
					t.Errorf("%s: %v, want %s", q, err, code)
				}
			}
			if _, err := sub.Subscribe(ctx, "nope", request("twoEvents")); !errors.As(err, &fe) || fe.Code != execute.CodeUnknownSubgraph {
				t.Errorf("unknown subgraph: %v", err)
			}
		})
	}
}

// TestCancelEndsUpstream: when the client goes away the subgraph's request
// ends too, and Next returns.
func TestCancelEndsUpstream(t *testing.T) {
	for _, name := range []string{"http", "in-process"} {
		t.Run(name, func(t *testing.T) {
			sg := newSubgraph()
			sub := subscribers(t, sg)[name]
			ctx, cancel := context.WithCancel(context.Background())
			st, err := sub.Subscribe(ctx, "live", request("forever"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
			next := make(chan error, 1)
			go func() { _, err := st.Next(context.Background()); next <- err }()
			cancel()
			select {
			case err := <-next:
				if err == nil {
					t.Fatal("Next after cancel returned an event")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Next did not return after cancel")
			}
			select {
			case <-sg.released:
			case <-time.After(10 * time.Second):
				t.Fatal("the subgraph's request did not end")
			}
			st.Close()
		})
	}
}
