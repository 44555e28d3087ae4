package guard

import (
	"encoding/json"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// WriteError answers a request with one GraphQL error carrying code, and
// the HTTP status.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(status)
	b, _ := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
	_, _ = w.Write(b)
}

// LimitBody refuses bodies over max bytes (a negative max: no limit): at
// once when Content-Length says so, and while reading otherwise (the POST
// transport answers 413 REQUEST_TOO_LARGE).
func LimitBody(max int64, next http.Handler) http.Handler {
	if max < 0 {
		return next
	}
	if max == 0 {
		max = DefaultMaxBodyBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			WriteError(w, http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the request body is larger than "+itoa(max)+" bytes")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}
