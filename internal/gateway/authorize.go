package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/citizengraph/citizengraph/internal/gateway/plan"
)

// Authorizer tells who the caller of a request is, for the supergraph's
// @authenticated and @requiresScopes: whether it is signed in, and whether
// it may use a scope (first-party tokens may use every scope).
// authorization is the request's Authorization header, or the
// connection_init's of a WebSocket.
type Authorizer func(ctx context.Context, authorization string) (authenticated bool, allows func(scope string) bool)

// CodeUnauthorized answers the fields a caller may not see.
const CodeUnauthorized = plan.CodeUnauthorized

// authorizing reports whether the gateway refuses protected fields itself.
func (g *Gateway) authorizing() bool {
	return !g.opts.TrustSubgraphs && len(g.sg.Access) > 0
}

// accessLabels adds to labels the caller's answers to the supergraph's
// authorization labels (plan.LabelAuthenticated, plan.ScopeLabel): planning
// removes the fields the caller may not see, and the plan cache keys a
// plan by the answers it consulted. Without an Authorizer the caller is
// anonymous.
func (g *Gateway) accessLabels(ctx context.Context, oc *graphql.OperationContext, labels map[string]bool) map[string]bool {
	if !g.authorizing() || g.opts.Authorizer == nil {
		return labels
	}
	a := oc.Headers.Get("Authorization")
	if a == "" {
		a, _ = ctx.Value(wsAuthKey{}).(string)
	}
	authenticated, allows := g.opts.Authorizer(ctx, a)
	if !authenticated && allows == nil {
		return labels
	}
	out := make(map[string]bool, len(labels)+len(g.scopes)+1)
	for l, on := range labels {
		out[l] = on
	}
	out[plan.LabelAuthenticated] = authenticated
	if allows != nil {
		for i, s := range g.sg.AccessScopes {
			if allows(s) {
				out[g.scopes[i]] = true
			}
		}
	}
	return out
}

// unauthorizedRoot is the error of a subscription whose root field the
// caller may not see: there is nothing to subscribe to.
func unauthorizedRoot(p *plan.Plan) *graphql.Response {
	for _, f := range p.Shape.Fields {
		if f.ErrField && f.ErrCode == plan.CodeUnauthorized {
			return &graphql.Response{Errors: gqlerror.List{{Message: f.Err, Path: ast.Path{ast.PathName(f.Key)}, Extensions: map[string]any{"code": f.ErrCode}}}}
		}
	}
	return nil
}
