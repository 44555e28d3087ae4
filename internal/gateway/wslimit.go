package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
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

// CloseTooManyRequests is the close code of a WebSocket whose client sent
// more messages than its rate allows: graphql-transport-ws' 4429, which
// its clients (graphql-ws) treat as final rather than reconnecting at once.
const CloseTooManyRequests = 4429

// errTooManyMessages ends the read loop of a connection over its rate.
var errTooManyMessages = errors.New("websocket: too many messages")

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
	tripped atomic.Bool
	subs    atomic.Int64
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
	if cl.tripped.CompareAndSwap(false, true) && cl.limits.onTripped != nil {
		cl.limits.onTripped()
	}
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
	return &limitedConn{WebsocketConn: c, cl: i.cl}, nil
}

// limitedConn counts the client's messages; once over the rate it reads
// no more and closes with 4429 whatever close the transport asks for.
type limitedConn struct {
	transport.WebsocketConn
	cl *connLimiter
}

func (c *limitedConn) NextReader() (int, io.Reader, error) {
	if c.cl.tripped.Load() {
		return 0, nil, errTooManyMessages
	}
	typ, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return typ, r, err
	}
	if !c.cl.allow() {
		// The read loop ends; its end closes the connection (WriteClose).
		return 0, nil, errTooManyMessages
	}
	return typ, r, nil
}

func (c *limitedConn) WriteClose(code int, msg string) error {
	if c.cl.tripped.Load() {
		code, msg = CloseTooManyRequests, "Too Many Requests"
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
