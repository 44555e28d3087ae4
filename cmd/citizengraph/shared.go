package main

import (
	"net/http"
	"strings"

	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// sharedLookups lets the subgraphs that serve one HTTP request in process
// share per-request lookups (identity.WithSharedMandates: whom the caller
// may act for, once per request instead of once per subgraph). WebSocket
// upgrades and event streams keep their own per-operation lookups: their
// context lives as long as the connection.
func sharedLookups(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(identity.WithSharedMandates(r.Context())))
	})
}
