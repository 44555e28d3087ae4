package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/plan"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
)

// OpenSubscriptions is the number of subscriptions the gateway serves now.
func (g *Gateway) OpenSubscriptions() int { return int(g.open.Load()) }

// subscription opens the upstream subscription of the plan's root field
// and answers each of its events with the rest of the plan run on it.
func (g *Gateway) subscription(ctx context.Context, oc *graphql.OperationContext, e *entry, start time.Time) graphql.ResponseHandler {
	refuse := func(h graphql.ResponseHandler) graphql.ResponseHandler {
		g.metrics.operation(string(ast.Subscription), start, true)
		return h
	}
	if n := len(e.plan.Shape.Fields); n != 1 {
		return refuse(oneError(fmt.Sprintf("a subscription must select exactly one top level field, not %d", n), errcode.ValidationFailed))
	}
	if resp := unauthorizedRoot(e.plan); resp != nil {
		return refuse(graphql.OneShot(resp))
	}
	root, req, err := execute.RootRequest(e.plan, oc.Variables)
	if err != nil {
		g.log.Warn("subscription planning failed", "err", err, "operation", oc.OperationName)
		return refuse(oneError("subscription planning failed", CodePlanningFailed))
	}
	if n, limit := g.open.Add(1), g.opts.MaxSubscriptions; limit > 0 && n > int64(limit) {
		g.open.Add(-1)
		return refuse(oneError(fmt.Sprintf("the gateway already serves its maximum of %d subscriptions", limit), CodeSubscriptionLimit))
	}
	perClient := g.opts.MaxSubscriptionsPerClient
	client := auth.ClientOf(ctx, execute.IncomingHeaders(ctx).Get("Authorization"))
	if !g.clients.acquire(client, perClient) {
		g.open.Add(-1)
		return refuse(oneError(fmt.Sprintf("this client already holds its maximum of %d open subscriptions", perClient), CodeSubscriptionLimit))
	}
	conn := connLimiterFrom(ctx)
	if !conn.acquire() {
		g.open.Add(-1)
		g.clients.release(client, perClient)
		return refuse(oneError(fmt.Sprintf("this connection already holds its maximum of %d open subscriptions", conn.limits.maxSubs), CodeSubscriptionLimit))
	}
	stream, err := g.subscriber.Subscribe(ctx, root.Subgraph, req)
	if err != nil {
		g.log.WarnContext(ctx, "subscription to subgraph failed", "subgraph", root.Subgraph, "err", err)
		g.open.Add(-1)
		g.clients.release(client, perClient)
		conn.release()
		return refuse(graphql.OneShot(&graphql.Response{Errors: subscriptionErrors(root, err)}))
	}
	g.metrics.operation(string(ast.Subscription), start, false)
	// The subscription ends with its operation's context, whether or not
	// the transport asks for another event.
	var once sync.Once
	end := func() {
		once.Do(func() {
			stream.Close()
			// The client's and the connection's slots are free before
			// the subscription stops counting as open.
			g.clients.release(client, perClient)
			conn.release()
			g.open.Add(-1)
		})
	}
	stop := context.AfterFunc(ctx, end)
	// Each event's entity fetches forward the subscriber's headers, like
	// the upstream subscription did.
	headers := execute.IncomingHeaders(ctx)
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		ev, err := stream.Next(ctx)
		if err != nil {
			done = true
			stop()
			end()
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			g.log.WarnContext(ctx, "subscription to subgraph broke", "subgraph", root.Subgraph, "err", err)
			return &graphql.Response{Errors: subscriptionErrors(root, err)}
		}
		if headers != nil {
			ctx = execute.WithForwardHeaders(ctx, headers)
		}
		// Each event is a request of its own to the subgraphs.
		ctx = execute.WithRequestID(ctx, execute.NewRequestID())
		res := execute.Run(ctx, e.plan, oc.Variables, g.fetcher, execute.WithSchema(g.sg.API), execute.WithResponse(root.ID, ev))
		return &graphql.Response{Data: res.Data, Errors: res.Errors}
	}
}

// subscriptionErrors reports a failed or broken upstream subscription at
// the root field, coded like any other subgraph request failure.
func subscriptionErrors(root *plan.Fetch, err error) gqlerror.List {
	code, cause := execute.CodeHTTPError, err
	var fe *execute.FetchError
	if errors.As(err, &fe) {
		code, cause = fe.Code, fe.Err
	}
	cause = execute.PublicCause(cause)
	e := &gqlerror.Error{
		Message:    fmt.Sprintf("subscription to subgraph %q failed: %v", root.Subgraph, cause),
		Extensions: map[string]any{"code": code, "serviceName": root.Subgraph},
	}
	if len(root.RootKeys) == 1 {
		e.Path = ast.Path{ast.PathName(root.RootKeys[0])}
	}
	return gqlerror.List{e}
}

type wsAuthKey struct{}

// wsInit keeps the Authorization of a WebSocket connection_init payload
// (browsers cannot set headers on the upgrade request), to be forwarded to
// the subgraphs with every operation of the connection; verify, when set,
// refuses the connection of an invalid token at once (4403, or 1013 while
// the issuer is unreachable).
func wsInit(verify func(ctx context.Context, authorization string) error) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		a := gqlserver.InitAuthorization(payload)
		if a == "" {
			return ctx, nil, nil
		}
		if verify != nil {
			if err := verify(ctx, a); err != nil {
				return gqlserver.RefuseInit(ctx, err)
			}
		}
		// The connection ends with the token (verified above, or by the
		// subgraphs it is forwarded to).
		if exp, ok := auth.UnverifiedExpiry(a); ok {
			ctx = gqlserver.WithTokenExpiry(ctx, exp)
		}
		return context.WithValue(ctx, wsAuthKey{}, a), nil, nil
	}
}

// incomingHeaders are the headers of the client's request, with the
// connection_init Authorization of a WebSocket connection when the upgrade
// request carried none.
func incomingHeaders(ctx context.Context, oc *graphql.OperationContext) http.Header {
	a, _ := ctx.Value(wsAuthKey{}).(string)
	if a == "" || (oc.Headers != nil && oc.Headers.Get("Authorization") != "") {
		return oc.Headers
	}
	h := oc.Headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Authorization", a)
	return h
}
