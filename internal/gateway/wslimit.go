package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"golang.org/x/time/rate"
)

// Defaults of the per-connection WebSocket limits (HandlerOptions).
const (
	// DefaultWSMessageRate is the messages per second a WebSocket client
	// may send, sustained: far above a client's pings, subscribes and
	// completes, far below what costs the gateway.
	DefaultWSMessageRate = 10
	// DefaultWSMessageBurst is the messages a client may send at once
	// above the rate (a page opening its subscriptions together).
	DefaultWSMessageBurst = 100
	// DefaultMaxSubscriptionsPerConnection bounds the subscriptions open
	// at once on one connection.
	DefaultMaxSubscriptionsPerConnection = 100
)

// Close codes of the limits.
const (
	// CloseTooManyRequests closes a WebSocket whose client sent more
	// messages than its rate allows: graphql-transport-ws' 4429, which its
	// clients (graphql-ws) treat as final rather than reconnecting at once.
	CloseTooManyRequests = 4429
	// CloseSubscriberExists closes a WebSocket whose client subscribed
	// under the id of one of its open subscriptions (graphql-transport-ws'
	// 4409): the first could no longer be completed by the client.
	CloseSubscriberExists = 4409
)

// errTripped ends the read loop of a connection that broke a limit.
var errTripped = errors.New("websocket: a limit of the connection was broken")

// transportWS is the subprotocol whose subscription ids are tracked.
const transportWS = "graphql-transport-ws"

// wsLimits are the per-connection limits of the WebSocket transport.
type wsLimits struct {
	rate      rate.Limit // messages per second; 0: none
	burst     int
	maxSubs   int // 0: none
	onTripped func()
}

// limitsOf resolves the HandlerOptions' WebSocket limits: 0 takes the
// default, a negative value turns the limit off.
func limitsOf(opts HandlerOptions, onTripped func()) wsLimits {
	l := wsLimits{rate: rate.Limit(opts.WSMessageRate), burst: opts.WSMessageBurst, maxSubs: opts.MaxSubscriptionsPerConnection, onTripped: onTripped}
	if opts.WSMessageRate == 0 {
		l.rate = DefaultWSMessageRate
	}
	if l.burst == 0 {
		l.burst = DefaultWSMessageBurst
	}
	if l.rate < 0 {
		l.rate = 0
	}
	l.burst = max(l.burst, 1)
	switch {
	case l.maxSubs == 0:
		l.maxSubs = DefaultMaxSubscriptionsPerConnection
	case l.maxSubs < 0:
		l.maxSubs = 0
	}
	return l
}

// limitedWebsocket is the WebSocket transport with per-connection limits:
// the client's messages (connection_init, subscribe, complete, ping, pong)
// draw on a token bucket, and a message beyond it closes the connection
// with 4429, ending its subscriptions; the subscriptions open at once on
// one connection are bounded too (see connLimiter.acquire). wrap builds
// the transport that serves each connection (with its own wrappers).
type limitedWebsocket struct {
	ws     transport.Websocket
	wrap   func(transport.Websocket) graphql.Transport
	limits wsLimits
}

func (t limitedWebsocket) Supports(r *http.Request) bool { return t.ws.Supports(r) }

func (t limitedWebsocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cl := &connLimiter{limits: t.limits}
	if t.limits.rate > 0 {
		cl.msgs = rate.NewLimiter(t.limits.rate, t.limits.burst)
	}
	ws := t.ws
	inner := ws.Implementation
	if inner == nil {
		inner = transport.CoderWebsocketImplementation{}
	}
	ws.Implementation = limitedImplementation{inner: inner, cl: cl}
	t.wrap(ws).Do(w, r.WithContext(context.WithValue(r.Context(), connLimiterKey{}, cl)), exec)
}

// connLimiter is the state of one connection's limits.
type connLimiter struct {
	limits  wsLimits
	msgs    *rate.Limiter // nil: no message limit
	subs    atomic.Int64
	tripped atomic.Bool // a limit was broken
	mu      sync.Mutex
	code    int                 // the close code of the first broken limit
	reason  string              // and its close reason
	ids     map[string]struct{} // the client's subscriptions open now
	// completing counts, per id, the client's completes of open
	// subscriptions whose server-side end (the transport's own complete)
	// has not been written yet: that end must not forget a newer
	// subscription the client opened under the same id meanwhile.
	completing map[string]int
}

// trip records the first broken limit, which the connection closes with.
func (cl *connLimiter) trip(code int, reason string) {
	cl.mu.Lock()
	first := cl.code == 0
	if first {
		cl.code, cl.reason = code, reason
		cl.tripped.Store(true)
	}
	cl.mu.Unlock()
	if first && code == CloseTooManyRequests && cl.limits.onTripped != nil {
		cl.limits.onTripped()
	}
}

// closing is the close code and reason of the broken limit (code 0: none).
func (cl *connLimiter) closing() (int, string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.code, cl.reason
}

// subscribed records the client's subscription id; false when one of that
// id is open.
func (cl *connLimiter) subscribed(id string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if _, dup := cl.ids[id]; dup {
		return false
	}
	if cl.ids == nil {
		cl.ids = map[string]struct{}{}
	}
	cl.ids[id] = struct{}{}
	return true
}

// clientCompleted forgets subscription id, completed by the client.
func (cl *connLimiter) clientCompleted(id string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if _, open := cl.ids[id]; !open {
		return
	}
	delete(cl.ids, id)
	if cl.completing == nil {
		cl.completing = map[string]int{}
	}
	cl.completing[id]++
}

// serverEnded forgets subscription id, ended by the server (a complete or
// error written), unless that is the end of one the client completed.
func (cl *connLimiter) serverEnded(id string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if n := cl.completing[id]; n > 0 {
		if n == 1 {
			delete(cl.completing, id)
		} else {
			cl.completing[id] = n - 1
		}
		return
	}
	delete(cl.ids, id)
}

type connLimiterKey struct{}

// connLimiterFrom returns the limiter of the WebSocket connection an
// operation runs on, nil for other transports.
func connLimiterFrom(ctx context.Context) *connLimiter {
	cl, _ := ctx.Value(connLimiterKey{}).(*connLimiter)
	return cl
}

// acquire takes a subscription slot of the connection; false when it
// already holds its maximum. A nil limiter always grants.
func (cl *connLimiter) acquire() bool {
	if cl == nil || cl.limits.maxSubs <= 0 {
		return true
	}
	if cl.subs.Add(1) > int64(cl.limits.maxSubs) {
		cl.subs.Add(-1)
		return false
	}
	return true
}

// release gives back a slot acquire took.
func (cl *connLimiter) release() {
	if cl != nil && cl.limits.maxSubs > 0 {
		cl.subs.Add(-1)
	}
}

// allow takes a message from the bucket; false trips the connection.
func (cl *connLimiter) allow() bool {
	if cl.msgs == nil || cl.msgs.Allow() {
		return true
	}
	cl.trip(CloseTooManyRequests, "Too Many Requests")
	return false
}

type limitedImplementation struct {
	inner transport.WebsocketImplementation
	cl    *connLimiter
}

func (i limitedImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	return &limitedConn{WebsocketConn: c, cl: i.cl, track: c.Subprotocol() == transportWS}, nil
}

// limitedConn counts the client's messages and, under
// graphql-transport-ws, the ids of its open subscriptions; once a limit is
// broken it reads no more and closes with that limit's code whatever close
// the transport asks for.
type limitedConn struct {
	transport.WebsocketConn
	cl    *connLimiter
	track bool
}

// wsMessage is what the limits read of a client's message.
type wsMessage struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func (c *limitedConn) NextReader() (int, io.Reader, error) {
	if c.cl.tripped.Load() {
		return 0, nil, errTripped
	}
	typ, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return typ, r, err
	}
	if !c.cl.allow() {
		// The read loop ends; its end closes the connection (WriteClose).
		return 0, nil, errTripped
	}
	if !c.track {
		return typ, r, nil
	}
	// The message is whole in memory anyway (the transport decodes it
	// next), within the connection's read limit.
	b, err := io.ReadAll(r)
	if err != nil {
		return typ, nil, err
	}
	var m wsMessage
	if json.Unmarshal(b, &m) == nil {
		switch m.Type {
		case "subscribe":
			if !c.cl.subscribed(m.ID) {
				id := m.ID
				if len(id) > 64 {
					id = id[:64]
				}
				c.cl.trip(CloseSubscriberExists, "Subscriber for "+strings.ToValidUTF8(id, "")+" already exists")
				return 0, nil, errTripped
			}
		case "complete":
			c.cl.clientCompleted(m.ID)
		}
	}
	return typ, bytes.NewReader(b), nil
}

// WriteJSON forgets the subscription a complete or error message ends.
func (c *limitedConn) WriteJSON(v any) error {
	if c.track {
		if id, typ, ok := outgoing(v); ok && (typ == "complete" || typ == "error") {
			c.cl.serverEnded(id)
		}
	}
	return c.WebsocketConn.WriteJSON(v)
}

// outgoing reads the id and type of a message the transport sends (a
// struct, or a pointer to one, with string fields ID and Type).
func outgoing(v any) (id, typ string, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return "", "", false
	}
	f, t := rv.FieldByName("ID"), rv.FieldByName("Type")
	if !f.IsValid() || !t.IsValid() || f.Kind() != reflect.String || t.Kind() != reflect.String {
		return "", "", false
	}
	return f.String(), t.String(), true
}

func (c *limitedConn) WriteClose(code int, msg string) error {
	if tripped, reason := c.cl.closing(); tripped != 0 {
		code, msg = tripped, reason
	}
	return c.WebsocketConn.WriteClose(code, msg)
}

// The optional interfaces of the inner connection are kept.

func (c *limitedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *limitedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
