package identity

import (
	"context"

	"github.com/citizengraph/citizengraph/internal/loader"
)

// shared holds what the subgraphs serving one client request in process
// look up alike: whom the caller may act for.
type shared struct {
	mandates loader.Memo[string, Principal]
}

type sharedKey struct{}

// WithSharedMandates returns ctx in which [Mandates.Of] looks each fiscal
// code up once, for every subgraph serving the request in process (serve's
// gateway installs it per HTTP request), instead of once per subgraph:
// the request sees one snapshot of the delegations, as a single
// subgraph's operation already does. Only for a request's lifetime: never
// around a WebSocket or an event stream, whose context outlives the
// delegations it would remember. Granting or revoking a delegation
// forgets it.
func WithSharedMandates(ctx context.Context) context.Context {
	return context.WithValue(ctx, sharedKey{}, &shared{})
}

func sharedFrom(ctx context.Context) *shared {
	s, _ := ctx.Value(sharedKey{}).(*shared)
	return s
}

// forgetSharedMandates makes the rest of the request look mandates up
// afresh, after a change of delegations.
func forgetSharedMandates(ctx context.Context) {
	if s := sharedFrom(ctx); s != nil {
		s.mandates.Reset()
	}
}
