package gateway_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// TestSubscriptionEndsWithUpstreamError: a subgraph that ends a stream
// with an error event (a revoked delegation, an expired sign-in) reaches
// the client as that error — code and extensions kept — and then the end
// of the stream, over SSE and over WebSockets; not silence.
func TestSubscriptionEndsWithUpstreamError(t *testing.T) {
	const upstreamErr = `{"data":null,"errors":[{"message":"the delegation was revoked","path":["reviewAdded"],"extensions":{"code":"FORBIDDEN","reason":"DELEGATION_REVOKED"}}]}`
	check := func(t *testing.T, got string) {
		t.Helper()
		var ev struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal([]byte(got), &ev); err != nil || len(ev.Errors) != 1 {
			t.Fatalf("event %s", got)
		}
		if e := ev.Errors[0]; e.Message != "the delegation was revoked" || e.Extensions["code"] != "FORBIDDEN" || e.Extensions["reason"] != "DELEGATION_REVOKED" {
			t.Fatalf("event %s: the subgraph's error is not kept", got)
		}
	}
	t.Run("SSE", func(t *testing.T) {
		s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
		gw, url, _ := liveGateway(t, s, gateway.Options{})
		evs := sseEvents(t, context.Background(), url, `subscription { reviewAdded { body } }`, nil)
		s.events <- `{"data":{"reviewAdded":{"body":"one"}}}`
		recv(t, evs)
		s.events <- upstreamErr
		s.events <- ""
		check(t, recv(t, evs))
		for range evs {
		}
		waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the subscription to end")
	})
	t.Run("WebSocket", func(t *testing.T) {
		s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
		_, url, _ := liveGateway(t, s, gateway.Options{})
		c := dialGateway(t, url, "")
		c.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { reviewAdded { body } }"}}`)
		s.events <- upstreamErr
		s.events <- ""
		if typ, payload := c.read(); typ != "next" {
			t.Fatalf("got %s %s", typ, payload)
		} else {
			check(t, payload)
		}
		if typ, _ := c.read(); typ != "complete" {
			t.Fatalf("got %s, want complete", typ)
		}
	})
}

// TestGatewayEndsSubscriptionsAtTokenExpiry: the gateway command forwards
// tokens without verifying them, yet ends a subscription at the exp its
// token claims, whatever the subgraph does: SSE with an
// UNAUTHENTICATED/TOKEN_EXPIRED error event, WebSockets with 4403; a
// token already expired is refused at connection_init (4403) and at
// subscribe.
func TestGatewayEndsSubscriptionsAtTokenExpiry(t *testing.T) {
	soon := func() (string, time.Time) {
		exp := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
		return unsignedToken(exp), exp
	}
	t.Run("SSE", func(t *testing.T) {
		tok, exp := soon()
		s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
		gw, url, _ := liveGateway(t, s, gateway.Options{})
		evs := sseEventsWith(t, url, "Bearer "+tok, `subscription { reviewAdded { body } }`)
		s.events <- `{"data":{"reviewAdded":{"body":"one"}}}`
		recv(t, evs)
		got := recv(t, evs)
		if time.Now().Before(exp) {
			t.Fatalf("ended %s before exp", time.Until(exp))
		}
		if !strings.Contains(got, `"code":"UNAUTHENTICATED"`) || !strings.Contains(got, `"reason":"TOKEN_EXPIRED"`) {
			t.Fatalf("last event %s", got)
		}
		for range evs {
		}
		select {
		case <-s.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("the upstream stream was not closed")
		}
		waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the slot to be freed")
	})
	t.Run("WebSocket", func(t *testing.T) {
		tok, exp := soon()
		s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
		_, url, _ := liveGateway(t, s, gateway.Options{})
		c := dialGateway(t, url, "Bearer "+tok)
		c.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { reviewAdded { body } }"}}`)
		s.events <- `{"data":{"reviewAdded":{"body":"one"}}}`
		if typ, _ := c.read(); typ != "next" {
			t.Fatalf("got %s, want next", typ)
		}
		for {
			_, _, err := c.conn.Read(c.ctx)
			if err != nil {
				if code := websocket.CloseStatus(err); code != 4403 {
					t.Fatalf("closed with %v, want 4403", err)
				}
				break
			}
		}
		if time.Now().Before(exp) {
			t.Fatalf("closed %s before exp", time.Until(exp))
		}
	})
	t.Run("already expired", func(t *testing.T) {
		s := &streams{events: make(chan string, 8), closed: make(chan struct{})}
		_, url, _ := liveGateway(t, s, gateway.Options{})
		old := unsignedToken(time.Now().Add(-time.Minute))
		if got := recv(t, sseEventsWith(t, url, "Bearer "+old, `subscription { reviewAdded { body } }`)); !strings.Contains(got, `"reason":"TOKEN_EXPIRED"`) {
			t.Fatalf("SSE with an expired token: %s", got)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()                                                                                                     //nolint:errcheck
		conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer `+old+`"}}`)) //nolint:errcheck
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				if code := websocket.CloseStatus(err); code != 4403 {
					t.Fatalf("closed with %v, want 4403", err)
				}
				break
			}
			if strings.Contains(string(b), "connection_ack") {
				t.Fatal("an expired token was acknowledged")
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.requests) != 0 {
			t.Fatal("an expired token opened an upstream subscription")
		}
	})
}

// unsignedToken is a JWT-shaped token with exp (the gateway command reads
// exp without verifying; the subgraphs verify).
func unsignedToken(exp time.Time) string {
	return b64json(map[string]any{"alg": "RS256"}) + "." + b64json(map[string]any{"sub": "s", "exp": exp.Unix()}) + ".c2ln"
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sseEventsWith(t *testing.T, url, authorization, query string) <-chan string {
	t.Helper()
	return sseEventsCtx(t, context.Background(), url, authorization, query)
}

func sseEventsCtx(t *testing.T, ctx context.Context, url, authorization, query string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return streamData(t, req)
}

type gwClient struct {
	t    *testing.T
	ctx  context.Context
	conn *websocket.Conn
}

// dialGateway opens a graphql-transport-ws connection, initialized with
// authorization (none when empty).
func dialGateway(t *testing.T, url, authorization string) *gwClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() }) //nolint:errcheck
	c := &gwClient{t: t, ctx: ctx, conn: conn}
	init := `{"type":"connection_init"}`
	if authorization != "" {
		init = `{"type":"connection_init","payload":{"Authorization":"` + authorization + `"}}`
	}
	c.send(init)
	if typ, _ := c.read(); typ != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", typ)
	}
	return c
}

func (c *gwClient) send(m string) {
	c.t.Helper()
	if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(m)); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the type and payload of the next message that is not a
// ping or pong.
func (c *gwClient) read() (string, string) {
	c.t.Helper()
	for {
		_, b, err := c.conn.Read(c.ctx)
		if err != nil {
			c.t.Fatal(err)
		}
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatal(err)
		}
		if m.Type != "ping" && m.Type != "pong" {
			return m.Type, string(m.Payload)
		}
	}
}
