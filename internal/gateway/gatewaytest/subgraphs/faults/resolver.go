package faults

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/faults/generated"
	"github.com/citizengraph/citizengraph/internal/gateway/gatewaytest/subgraphs/serve"
)

// SDL is the subgraph schema served by _service.
//
//go:embed schema.graphqls
var SDL string

// Resolver answers the fields that get through the fault wrapper.
type Resolver struct{}

// NewHandler returns the faults subgraph: a gqlgen subgraph behind a
// wrapper that misbehaves according to the operation it receives. An
// operation selecting http500 or warranty gets HTTP 500; one selecting slow
// is answered after delay (or when the caller gives up); one selecting
// garbage gets a 200 response whose body is not JSON. Anything else (such as
// _service) reaches gqlgen.
func NewHandler(delay time.Duration) http.Handler {
	next := serve.Handler(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case bytes.Contains(body, []byte("http500")), bytes.Contains(body, []byte("warranty")):
			http.Error(w, "the faults subgraph is broken", http.StatusInternalServerError)
		case bytes.Contains(body, []byte("garbage")):
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Service temporarily unavailable</body></html>")
		case bytes.Contains(body, []byte("slow")):
			if !sleep(r.Context(), delay) {
				return
			}
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
