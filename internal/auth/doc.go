// Package auth carries the caller's identity through citizengraph.
//
// Citizens log in with SPID or CIE at the city's identity broker, which
// speaks OpenID Connect to us; [Verifier] checks the broker's bearer tokens
// with go-oidc (discovery once, cached JWKs) at the gateway and again in
// every subgraph, since the gateway forwards the Authorization header.
// [Middleware] puts the resulting [Principal] on the request context, where
// domain services read it with [FromContext] and make their authorization
// decisions.
package auth
