package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

type peerKey struct{}

// WithPeer records the request's remote address (the TCP peer's IP) on its
// context, where [ClientOf] finds it for anonymous callers; WebSocket
// connections keep it for every operation.
func WithPeer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerKey{}, host)))
	})
}

// ClientOf names the caller behind ctx for per-client quotas: "sub:"
// and the subject of its principal; without one (a server that forwards
// tokens unverified, like the gateway command) the sub claim of
// authorization's token, read unverified — a forged token only counts
// against a quota while its verifiers have not refused it; anonymous
// callers by address, "addr:" and the IP recorded by [WithPeer].
func ClientOf(ctx context.Context, authorization string) string {
	if p := FromContext(ctx); p != nil && p.Subject != "" {
		return "sub:" + p.Subject
	}
	if sub := unverifiedSubject(authorization); sub != "" {
		return "sub:" + sub
	}
	addr, _ := ctx.Value(peerKey{}).(string)
	return "addr:" + addr
}

func unverifiedSubject(authorization string) string {
	raw, err := BearerToken(authorization)
	if err != nil {
		return ""
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	return c.Sub
}
