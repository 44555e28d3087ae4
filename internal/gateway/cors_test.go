package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// TestAllowedOrigins: browsers on an allowed origin may call the gateway
// (CORS preflight and response headers) and open WebSockets; other origins
// get neither.
func TestAllowedOrigins(t *testing.T) {
	const portal = "https://portale.comune.test"
	for name, origins := range map[string][]string{"listed": {portal}, "none": nil} {
		t.Run(name, func(t *testing.T) {
			_, url, _ := liveGateway(t, &streams{}, gateway.Options{}, gateway.HandlerOptions{AllowedOrigins: origins})
			allowed := len(origins) > 0

			pre, _ := http.NewRequest(http.MethodOptions, url, nil)
			pre.Header.Set("Origin", portal)
			pre.Header.Set("Access-Control-Request-Method", "POST")
			pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			resp, err := http.DefaultClient.Do(pre)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); (got == portal) != allowed {
				t.Errorf("preflight from the portal: Allow-Origin %q (status %d)", got, resp.StatusCode)
			}
			if allowed && !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Errorf("preflight: Allow-Headers %q", resp.Header.Get("Access-Control-Allow-Headers"))
			}

			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://elsewhere.test")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("a POST from another origin got Allow-Origin %q", got)
			}

			// The scheme counts: a page on http://portale… is not the portal.
			for origin, want := range map[string]bool{portal: allowed, "https://elsewhere.test": false, "http://portale.comune.test": false} {
				conn, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
					Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: http.Header{"Origin": {origin}}})
				if (err == nil) != want {
					t.Errorf("WebSocket from %s: err %v, want allowed=%v", origin, err, want)
				}
				if conn != nil {
					conn.CloseNow() //nolint:errcheck
				}
			}
		})
	}
}

// TestWebSocketWithoutInitIsClosed: a connection that never sends
// connection_init does not hold its socket for ever.
func TestWebSocketWithoutInitIsClosed(t *testing.T) {
	s := &streams{}
	sg := mustLiveSupergraph(t)
	gw, err := gateway.New(sg, gateway.Options{Fetcher: &scripted{}, Subscriber: s})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{InitTimeout: 100 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow() //nolint:errcheck
	if _, _, err := conn.Read(ctx); websocket.CloseStatus(err) == -1 {
		t.Fatalf("want the gateway to close the connection, got %v", err)
	}
}
