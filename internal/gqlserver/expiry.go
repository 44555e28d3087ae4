package gqlserver

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// CloseForbidden is graphql-transport-ws' close code 4403 Forbidden: a
// refused connection_init, and a connection whose token has expired.
const CloseForbidden = 4403

type expiryKey struct{}

// WithTokenExpiry records on ctx the expiry of a token that authenticates
// it without a principal (the gateway forwards connection_init tokens to
// the subgraphs rather than keeping their principal).
func WithTokenExpiry(ctx context.Context, exp time.Time) context.Context {
	return context.WithValue(ctx, expiryKey{}, exp)
}

// TokenExpiry is when the sign-in behind ctx ends: the earliest of the
// principal's token expiry, an expiry recorded with WithTokenExpiry and
// the exp claim of the operation's Authorization header; zero when ctx is
// anonymous. The header's exp is read unverified, which can only make the
// end earlier: a server that forwards tokens (the gateway command) ends
// the stream no later than the token claims, and the subgraphs that verify
// it end theirs.
func TokenExpiry(ctx context.Context) time.Time {
	var exp time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (exp.IsZero() || t.Before(exp)) {
			exp = t
		}
	}
	if p := auth.FromContext(ctx); p != nil {
		earliest(p.Expiry)
	}
	if t, ok := ctx.Value(expiryKey{}).(time.Time); ok {
		earliest(t)
	}
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc.Headers != nil {
			if t, ok := auth.UnverifiedExpiry(oc.Headers.Get("Authorization")); ok {
				earliest(t)
			}
		}
	}
	return exp
}

// ExpiredError is the error a subscription ends with when its token
// expires: UNAUTHENTICATED, reason TOKEN_EXPIRED.
func ExpiredError() *gqlerror.Error {
	return &gqlerror.Error{
		Message:    "the token has expired: sign in again to resume the subscription",
		Extensions: map[string]any{"code": auth.CodeUnauthenticated, "reason": auth.ReasonTokenExpired},
	}
}

// SubscriptionExpiry is a handler extension that ends every subscription
// at its token's expiry ([TokenExpiry]) with [ExpiredError] as its last
// event — over SSE an error event before "complete", over WebSockets a
// "next" with the error (the connection itself closes with 4403, see
// [ExpiringWebsocket]). A subscription opened with an expired token ends
// at once with the same error.
type SubscriptionExpiry struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = SubscriptionExpiry{}

// ExtensionName implements graphql.HandlerExtension.
func (SubscriptionExpiry) ExtensionName() string { return "SubscriptionExpiry" }

// Validate implements graphql.HandlerExtension.
func (SubscriptionExpiry) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (SubscriptionExpiry) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	exp := TokenExpiry(ctx)
	if exp.IsZero() {
		return next(ctx)
	}
	wait := time.Until(exp)
	if wait <= 0 {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{ExpiredError()}})
	}
	ctx, cancel := context.WithCancel(ctx)
	var expired atomic.Bool
	timer := time.AfterFunc(wait, func() {
		expired.Store(true)
		cancel()
	})
	h := next(ctx)
	done := false
	return func(rctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		// The wait for the next event ends with the operation too, whether
		// or not the resolver closes its channel.
		rctx, stop := context.WithCancel(rctx)
		defer context.AfterFunc(ctx, stop)()
		defer stop()
		resp := h(rctx)
		// Nothing is delivered past the expiry: an event or an upstream
		// failure (a subgraph ending the same sign-in) that comes then
		// gives way to the expiry error.
		late := expired.Load() || !time.Now().Before(exp)
		if resp != nil && !late {
			return resp
		}
		done = true
		timer.Stop()
		cancel()
		if late {
			// On a WebSocket, the connection of the same sign-in closes
			// with 4403 now rather than completing the subscription first.
			if ce, _ := ctx.Value(connExpiryKey{}).(*connExpiry); ce != nil {
				ce.expireIfDue()
			}
			return &graphql.Response{Errors: gqlerror.List{ExpiredError()}}
		}
		return nil
	}
}

// ExpiringWebsocket returns ws with connections that end with their sign-in:
// once connection_init is accepted, the connection closes with 4403
// Forbidden at its token's expiry ([TokenExpiry] of the initialized
// context), ending every subscription on it; a connection_init whose token
// has already expired is refused with 4403. Anonymous connections do not
// expire.
func ExpiringWebsocket(ws transport.Websocket) graphql.Transport {
	return expiringWebsocket{ws}
}

type expiringWebsocket struct{ ws transport.Websocket }

type connExpiry struct {
	cancel  context.CancelFunc
	exp     atomic.Int64 // unix nanoseconds; 0: the connection does not expire
	expired atomic.Bool
}

type connExpiryKey struct{}

func (ce *connExpiry) expire() {
	ce.expired.Store(true)
	ce.cancel()
}

// expireIfDue ends the connection if its token has expired.
func (ce *connExpiry) expireIfDue() {
	if exp := ce.exp.Load(); exp != 0 && time.Now().UnixNano() >= exp {
		ce.expire()
	}
}

func (t expiringWebsocket) Supports(r *http.Request) bool { return t.ws.Supports(r) }

func (t expiringWebsocket) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ce := &connExpiry{cancel: cancel}
	ws := t.ws
	inner := ws.Implementation
	if inner == nil {
		inner = transport.CoderWebsocketImplementation{}
	}
	ws.Implementation = expiringImplementation{inner: inner, ce: ce}
	init := ws.InitFunc
	ws.InitFunc = func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		var ack *transport.InitPayload
		if init != nil {
			var err error
			if ctx, ack, err = init(ctx, payload); err != nil {
				return ctx, ack, err
			}
		}
		exp := TokenExpiry(ctx)
		if exp.IsZero() {
			return ctx, ack, nil
		}
		wait := time.Until(exp)
		if wait <= 0 {
			return RefuseInit(ctx, auth.ErrTokenExpired)
		}
		ce.exp.Store(exp.UnixNano())
		timer := time.AfterFunc(wait, ce.expire)
		context.AfterFunc(ctx, func() { timer.Stop() })
		return ctx, ack, nil
	}
	ws.Do(w, r.WithContext(context.WithValue(ctx, connExpiryKey{}, ce)), exec)
}

// expiringImplementation accepts connections whose normal close becomes
// 4403 Forbidden once their token has expired.
type expiringImplementation struct {
	inner transport.WebsocketImplementation
	ce    *connExpiry
}

func (i expiringImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	return &expiringConn{WebsocketConn: c, ce: i.ce}, nil
}

type expiringConn struct {
	transport.WebsocketConn
	ce *connExpiry
}

func (c *expiringConn) WriteClose(code int, msg string) error {
	if c.ce.expired.Load() {
		code, msg = CloseForbidden, "Forbidden: token expired"
	}
	return c.WebsocketConn.WriteClose(code, msg)
}

// The optional interfaces of the inner connection (read limits and
// deadlines) are kept.

func (c *expiringConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *expiringConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
