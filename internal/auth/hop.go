package auth

import (
	"context"
	"time"
)

// A request served in process on behalf of another one (citizengraph
// serve: the gateway fetching from the subgraphs' handlers without a
// socket) forwards the Authorization header its caller sent, and the
// subgraph's Middleware would verify the same token again on every hop.
// Instead, Middleware records on the context of every request whose token
// it verified which Authorization value it verified, with which verifier,
// and the principal it found ([verified]); ForHop, called by the in-process
// fetcher for each hop, hands that record to the hop under a key of its
// own; and Middleware takes the principal of the hop's record, without
// verifying, only when all of these hold:
//
//   - the hop's context carries a record set by ForHop (nothing a client
//     sends becomes a context value; a request arriving over HTTP starts
//     from a fresh context and always verifies);
//   - the hop's Authorization header is exactly the value verified;
//   - the hop's Middleware uses the same *Verifier that verified it;
//   - the token's exp is still ahead (an expired token is verified, and
//     refused, as it would be from the verifier's cache).
//
// Anything else verifies the hop's token as before. The hop gets a copy of
// the principal, as from the verifier's cache: the scope, role and
// delegation checks downstream see exactly what verifying would give.

// verified is what Middleware learned of a request: its Authorization
// value, the verifier that checked it, and its principal.
type verified struct {
	principal     *Principal
	verifier      *Verifier // nil: not verified here (WithPrincipal)
	authorization string
}

type hopKey struct{}

// ForHop returns the context for a request served in process on behalf of
// the request of ctx, carrying the given Authorization value: when
// Middleware verified exactly that value for the request of ctx, the hop's
// Middleware (with the same verifier) takes the principal from ctx instead
// of verifying the token again. Only in-process fetchers call it, for
// requests they build themselves.
func ForHop(ctx context.Context, authorization string) context.Context {
	e, _ := ctx.Value(ctxKey{}).(*verified)
	if e == nil || e.verifier == nil || authorization == "" || e.authorization != authorization {
		if h, _ := ctx.Value(hopKey{}).(*verified); h != nil {
			// Nothing inherited from an earlier hop applies to this one.
			return context.WithValue(ctx, hopKey{}, (*verified)(nil))
		}
		return ctx
	}
	return context.WithValue(ctx, hopKey{}, e)
}

// carried returns the principal a hop's context carries for the
// Authorization value authorization and verifier v, or nil.
func carried(ctx context.Context, v TokenVerifier, authorization string) *Principal {
	h, _ := ctx.Value(hopKey{}).(*verified)
	if h == nil || authorization == "" || h.authorization != authorization {
		return nil
	}
	vv, ok := v.(*Verifier)
	if !ok || vv == nil || vv != h.verifier {
		return nil
	}
	if !time.Now().Before(h.principal.Expiry) {
		return nil
	}
	return clonePrincipal(h.principal)
}
