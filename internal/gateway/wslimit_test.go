package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/citizengraph/citizengraph/internal/gateway"
)

// wsLimitedGateway serves the live supergraph over idle subscriptions with
// per-connection limits: rate messages a second, burst at once, maxSubs
// subscriptions a connection.
func wsLimitedGateway(t *testing.T, rate float64, burst, maxSubs int) (*gateway.Gateway, string, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	gw, err := gateway.New(mustLiveSupergraph(t), gateway.Options{Subscriber: idle{}, Fetcher: &scripted{}, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{KeepAlive: time.Hour, WSMessageRate: rate, WSMessageBurst: burst, MaxSubscriptionsPerConnection: maxSubs}))
	t.Cleanup(srv.Close)
	return gw, srv.URL, reg
}

// closeOf reads c until the server closes it and returns the close code
// and the types of the messages read before.
func closeOf(t *testing.T, c *gwClient) (websocket.StatusCode, []string) {
	t.Helper()
	var seen []string
	for {
		_, b, err := c.conn.Read(c.ctx)
		if err != nil {
			if c.ctx.Err() != nil {
				t.Fatalf("the connection is still open after %d messages", len(seen))
			}
			return websocket.CloseStatus(err), seen
		}
		var m struct{ Type string }
		json.Unmarshal(b, &m) //nolint:errcheck
		seen = append(seen, m.Type)
	}
}

// flood writes n messages as fast as the connection takes them, until the
// server closes it.
func flood(c *gwClient, n int, msg func(i int) string) {
	for i := range n {
		if c.conn.Write(c.ctx, websocket.MessageText, []byte(msg(i))) != nil {
			return
		}
	}
}

const subscriptionQuery = `subscription { reviewAdded { body } }`

func subscribeMsg(id string) string {
	return fmt.Sprintf(`{"id":%q,"type":"subscribe","payload":{"query":%q}}`, id, subscriptionQuery)
}

// TestWebSocketMessageFlood: a client that floods its connection with
// pings or subscribes is closed with 4429 once past its burst, its
// subscriptions end with the connection, and the closing is counted; a
// client within its burst is served, and other connections are not
// touched.
func TestWebSocketMessageFlood(t *testing.T) {
	for _, kind := range []string{"ping", "subscribe"} {
		t.Run(kind, func(t *testing.T) {
			gw, url, reg := wsLimitedGateway(t, 0.001, 30, 1000)
			bystander := dialGateway(t, url, "")
			bystander.send(subscribeMsg("b"))
			waitFor(t, func() bool { return gw.OpenSubscriptions() == 1 }, "the bystander's subscription")

			c := dialGateway(t, url, "")
			c.send(subscribeMsg("first"))
			waitFor(t, func() bool { return gw.OpenSubscriptions() == 2 }, "the flooder's first subscription")
			go flood(c, 5000, func(i int) string {
				if kind == "ping" {
					return `{"type":"ping"}`
				}
				return subscribeMsg(fmt.Sprint(i))
			})
			code, seen := closeOf(t, c)
			if code != gateway.CloseTooManyRequests {
				t.Fatalf("closed with %d after %d messages, want %d", code, len(seen), gateway.CloseTooManyRequests)
			}
			// At most the burst was served: connection_init and the first
			// subscribe took two.
			answered := 0
			for _, typ := range seen {
				if typ == "pong" || typ == "next" || typ == "error" || typ == "complete" {
					answered++
				}
			}
			if answered > 30 {
				t.Errorf("%d messages answered before the close, burst 30", answered)
			}
			waitFor(t, func() bool { return gw.OpenSubscriptions() == 1 }, "the flooder's subscriptions to end")
			if got := counterValue(t, reg, "citizengraph_gateway_websocket_rate_limited_total"); got != 1 {
				t.Errorf("websocket_rate_limited_total = %v, want 1", got)
			}
			// The bystander is still served.
			bystander.send(`{"type":"ping"}`)
			if typ := readAny(bystander); typ != "pong" {
				t.Errorf("bystander got %s, want pong", typ)
			}
		})
	}
}

// readAny returns the type of the next message.
func readAny(c *gwClient) string {
	c.t.Helper()
	_, b, err := c.conn.Read(c.ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	var m struct{ Type string }
	json.Unmarshal(b, &m) //nolint:errcheck
	return m.Type
}

// TestWebSocketWithinItsRate: a client sending its burst — connection_init,
// subscriptions, pings — is served every message.
func TestWebSocketWithinItsRate(t *testing.T) {
	_, url, reg := wsLimitedGateway(t, 0.001, 40, 1000)
	c := dialGateway(t, url, "") // connection_init: 1
	for i := range 39 {
		c.send(`{"type":"ping"}`)
		if typ := readAny(c); typ != "pong" {
			t.Fatalf("ping %d: got %s", i, typ)
		}
	}
	if got := counterValue(t, reg, "citizengraph_gateway_websocket_rate_limited_total"); got != 0 {
		t.Errorf("websocket_rate_limited_total = %v, want 0", got)
	}
	// The next one is over.
	c.send(`{"type":"ping"}`)
	if code, _ := closeOf(t, c); code != gateway.CloseTooManyRequests {
		t.Fatalf("closed with %d, want %d", code, gateway.CloseTooManyRequests)
	}
}

// TestSubscriptionsPerConnection: one connection holds at most
// MaxSubscriptionsPerConnection subscriptions; one more is
// SUBSCRIPTION_LIMIT_EXCEEDED on that subscription alone, the connection
// stays open, and a completed subscription frees its slot.
func TestSubscriptionsPerConnection(t *testing.T) {
	gw, url, _ := wsLimitedGateway(t, 1000, 1000, 3)
	c := dialGateway(t, url, "")
	for i := range 3 {
		c.send(subscribeMsg(fmt.Sprint(i)))
	}
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 3 }, "three subscriptions")
	c.send(subscribeMsg("over"))
	typ, payload := c.read()
	if (typ != "next" && typ != "error") || !strings.Contains(payload, "SUBSCRIPTION_LIMIT_EXCEEDED") {
		t.Fatalf("the fourth subscription: %s %s", typ, payload)
	}
	if n := gw.OpenSubscriptions(); n != 3 {
		t.Fatalf("%d open, want 3", n)
	}
	// Another connection of the same client has its own.
	other := dialGateway(t, url, "")
	other.send(subscribeMsg("x"))
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 4 }, "the other connection's subscription")
	c.send(`{"id":"0","type":"complete"}`)
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 3 }, "the completed subscription to end")
	c.send(subscribeMsg("again"))
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 4 }, "the freed slot taken again")
}

// counterValue is the value of the counter name gathered from reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestWebSocketDuplicateSubscriptionID: subscribing under the id of an
// open subscription closes the connection with 4409, as
// graphql-transport-ws requires (the first subscription could no longer
// be completed, and would hold its slot until the connection ends), and
// ends both; an id is free again once its subscription completed, by the
// client or by the server.
func TestWebSocketDuplicateSubscriptionID(t *testing.T) {
	gw, url, _ := wsLimitedGateway(t, 1000, 1000, 1000)
	c := dialGateway(t, url, "")
	// Completed by the client, then reused.
	c.send(subscribeMsg("a"))
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 1 }, "the subscription")
	c.send(`{"id":"a","type":"complete"}`)
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the completed subscription to end")
	c.send(subscribeMsg("a"))
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 1 }, "the id reused")
	// Ended by the server (refused), then reused.
	c.send(fmt.Sprintf(`{"id":"b","type":"subscribe","payload":{"query":%q}}`, `subscription { x: reviewAdded { body } y: reviewAdded { body } }`))
	for {
		var m struct{ ID, Type string }
		_, b, err := c.conn.Read(c.ctx)
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &m) //nolint:errcheck
		if m.ID == "b" && (m.Type == "complete" || m.Type == "error") {
			break
		}
	}
	c.send(subscribeMsg("b"))
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 2 }, "the refused id reused")
	// The same id while open.
	c.send(subscribeMsg("a"))
	code, _ := closeOf(t, c)
	if code != gateway.CloseSubscriberExists {
		t.Fatalf("closed with %d, want %d", code, gateway.CloseSubscriberExists)
	}
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 0 }, "the connection's subscriptions to end")
}
