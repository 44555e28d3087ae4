// Package auth carries the caller's identity through citizengraph.
//
// Citizens log in with SPID or CIE at the city's identity broker, which
// speaks OpenID Connect to us; [Verifier] checks the broker's bearer tokens
// with go-oidc at the gateway and again in every subgraph, since the
// gateway forwards the Authorization header. [Middleware] puts the
// resulting [Principal] on the request context, where domain services read
// it with [FromContext] and make their authorization decisions. A subgraph
// served in process on behalf of the gateway (citizengraph serve) takes
// the principal the gateway's Middleware verified instead of verifying the
// same token again, when the in-process fetcher prepared its context with
// [ForHop] and the token, the verifier and the time agree (see hop.go).
//
// Refusals: a request without credentials is anonymous; one with an
// Authorization header that is malformed, too large, invalid or expired —
// or sent to a server without an issuer, which cannot tell a token from
// garbage — is refused with 401 and extensions.code UNAUTHENTICATED
// (reason TOKEN_EXPIRED for an expired token), never served anonymously.
//
// Keys: [StartVerifier] discovers the issuer in the background, retrying
// with exponential backoff while it is down; until then the verifier is not
// [Ready] (/readyz answers 503, see [ReadyHandler]) and tokens are refused
// with 503 UNAVAILABLE. The issuer's key set is cached; a token naming an
// unknown key id triggers at most one refetch per
// [VerifierOptions.KeyRefreshInterval], so a flood of such tokens cannot
// turn into a flood of requests to the issuer.
//
// A principal carries its token's expiry; subscriptions end then (see
// internal/gqlserver and the gateway).
package auth
