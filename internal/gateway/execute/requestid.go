package execute

import (
	"context"
	"net/http"

	"github.com/google/uuid"
)

// RequestIDHeader names, on every subgraph request, the client request to
// the gateway it is part of, so that a subgraph can tell the fetches of
// one client request from those of another (the identity subgraph's
// access log writes one row per person per client request). The id is a
// UUIDv7 the gateway makes for every operation (and every event of a
// subscription); a client's own header of that name is never forwarded.
const RequestIDHeader = "Citizengraph-Request-Id"

type requestIDKey struct{}

// NewRequestID returns a fresh request id: a UUIDv7, whose time lets a
// subgraph refuse a stale one.
func NewRequestID() string {
	u, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString() // the random source failed: an id all the same
	}
	return u.String()
}

// WithRequestID returns ctx whose subgraph requests carry id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// setRequestID puts the request id of ctx on a subgraph request.
func setRequestID(h http.Header, ctx context.Context) {
	if id := RequestID(ctx); id != "" {
		h.Set(RequestIDHeader, id)
	}
}
