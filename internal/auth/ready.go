package auth

import "net/http"

// readiness is a verifier that can tell whether it has reached its issuer.
type readiness interface{ Ready() bool }

// Ready reports whether v can verify tokens: true for no verifier (a server
// without an issuer) and for verifiers that are always ready; false while
// a [Verifier] has not reached its issuer yet.
func Ready(v TokenVerifier) bool {
	if isNil(v) {
		return true
	}
	r, ok := v.(readiness)
	return !ok || r.Ready()
}

// ReadyHandler answers a readiness probe (/readyz): 200 once v can verify
// tokens, 503 while its issuer has not been reached (load balancers then
// keep traffic away; requests with tokens would get 503 UNAVAILABLE).
func ReadyHandler(v TokenVerifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if !Ready(v) {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("token issuer not reachable yet\n")) //nolint:errcheck
			return
		}
		w.Write([]byte("ok\n")) //nolint:errcheck
	})
}
