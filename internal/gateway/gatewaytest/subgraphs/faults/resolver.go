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
// garbage gets a 200 response whose body is not JSON; one selecting
// mistyped or mistypedProducts gets values of the wrong type for their
// fields (the subgraph breaking its own schema). Anything else (such as
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
		case bytes.Contains(body, []byte("mistypedProducts")):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, mistypedProducts)
		case bytes.Contains(body, []byte("mistyped")):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, mistyped)
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

// The answers of a subgraph breaking its schema: every field of the wrong
// type, an enum value outside the API (@inaccessible) and one unknown, an
// Int beyond 32 bits, and entity keys null or of the wrong type.
const (
	mistyped = `{"data":{"mistyped":{"count":"many","big":3000000000,"ratio":"x","label":{"a":1},"flag":"yes",` +
		`"level":"ROOT","hidden":"HIDDEN","id":42,"ok":"fine","strict":{"n":"x","ok":"fine"}}}}`
	mistypedProducts = `{"data":{"mistypedProducts":[{"__typename":"Product","upc":"1"},{"__typename":"Product","upc":null},` +
		`{"__typename":"Product","upc":{"x":1}},{"__typename":"Product","upc":true}]}}`
)

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
