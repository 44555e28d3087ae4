package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Codes of refused credentials, in a GraphQL error's extensions.code.
const (
	// CodeUnauthenticated: the request's credentials are malformed,
	// invalid or expired, or the server accepts none (HTTP 401).
	CodeUnauthenticated = "UNAUTHENTICATED"
	// CodeUnavailable: the token issuer has not been reached yet, so no
	// token can be verified (HTTP 503, Retry-After).
	CodeUnavailable = "UNAVAILABLE"
	// ReasonTokenExpired is extensions.reason of an UNAUTHENTICATED error
	// for an expired token, and of a subscription ended by its token's exp.
	ReasonTokenExpired = "TOKEN_EXPIRED"
)

// Errors of VerifyAuthorization and Verify.
var (
	// ErrNoToken is returned by BearerToken when the request carries none.
	ErrNoToken = errors.New("auth: no bearer token")
	// ErrMalformed: the Authorization value is not "Bearer <token>".
	ErrMalformed = errors.New("auth: malformed Authorization header")
	// ErrNoIssuer: a token was sent to a server that has no issuer, so
	// it cannot tell a real token from garbage; it is refused rather than
	// served as anonymous.
	ErrNoIssuer = errors.New("auth: this server accepts no bearer tokens (no token issuer is configured)")
	// ErrTokenTooLarge: the token exceeds MaxTokenBytes.
	ErrTokenTooLarge = errors.New("auth: token too large")
	// ErrInvalidToken: the token is not a valid token of the issuer for
	// this audience (signature, key, issuer, audience, validity period).
	ErrInvalidToken = errors.New("auth: invalid token")
	// ErrTokenExpired: the token's exp has passed.
	ErrTokenExpired = errors.New("auth: token expired")
	// ErrUnavailable: the issuer has not been reached yet.
	ErrUnavailable = errors.New("auth: the token issuer has not been reached yet")
)

// TokenVerifier is what Middleware needs of a verifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Principal, error)
}

// BearerToken extracts the token of an "Authorization: Bearer …" header:
// ErrNoToken when h is empty, ErrMalformed unless it is the Bearer scheme
// with one token of base64url characters and dots, ErrTokenTooLarge past
// MaxTokenBytes.
func BearerToken(h string) (string, error) {
	if h == "" {
		return "", ErrNoToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", ErrMalformed
	}
	tok = strings.Trim(tok, " \t")
	if tok == "" {
		return "", ErrMalformed
	}
	if len(tok) > MaxTokenBytes {
		return "", ErrTokenTooLarge
	}
	for i := 0; i < len(tok); i++ {
		if !tokenChar(tok[i]) {
			return "", ErrMalformed
		}
	}
	return tok, nil
}

// tokenChar reports whether c may appear in a bearer token (RFC 6750's
// b64token: base64url, "+", "/", ".", "~", "=").
func tokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/=", c) >= 0
}

// VerifyAuthorization verifies the bearer token of an Authorization value
// with v: nil and no error when there is none; an error when the value is
// present but malformed, the token invalid, or there is no verifier (a
// server without an issuer refuses every token rather than ignoring it).
func VerifyAuthorization(ctx context.Context, v TokenVerifier, authorization string) (*Principal, error) {
	raw, err := BearerToken(authorization)
	if errors.Is(err, ErrNoToken) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if isNil(v) {
		return nil, ErrNoIssuer
	}
	return v.Verify(ctx, raw)
}

func isNil(v TokenVerifier) bool {
	if v == nil {
		return true
	}
	vv, ok := v.(*Verifier)
	return ok && vv == nil
}

// Middleware authenticates requests with v. Requests without an
// Authorization header pass through anonymously (without any principal an
// enclosing context carried); any other refusal of VerifyAuthorization is
// answered at once (see WriteRefusal). A nil v serves requests without a
// token anonymously and refuses the others. An in-process hop whose
// context ForHop prepared takes the principal its caller's Middleware
// verified for the same Authorization value, instead of verifying it again
// (see ForHop).
func Middleware(v TokenVerifier, next http.Handler) http.Handler {
	vv, _ := v.(*Verifier)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		authorization := r.Header.Get("Authorization")
		p := carried(ctx, v, authorization)
		if p == nil {
			var err error
			if p, err = VerifyAuthorization(ctx, v, authorization); err != nil {
				WriteRefusal(w, err)
				return
			}
		}
		switch {
		case p != nil:
			r = r.WithContext(context.WithValue(ctx, ctxKey{}, &verified{principal: p, verifier: vv, authorization: authorization}))
		case FromContext(ctx) != nil:
			// Anonymous: nothing of an enclosing request's caller stays.
			r = r.WithContext(WithPrincipal(ctx, nil))
		}
		next.ServeHTTP(w, r)
	})
}

// Refusal is how a failed authentication is told to a client.
type Refusal struct {
	Status  int    // HTTP status: 401, or 503 while the issuer is unreachable
	Code    string // extensions.code: UNAUTHENTICATED or UNAVAILABLE
	Reason  string // extensions.reason, e.g. TOKEN_EXPIRED (may be empty)
	Message string // for the client: no internal detail
}

// RefusalOf classifies an error of VerifyAuthorization.
func RefusalOf(err error) Refusal {
	switch {
	case errors.Is(err, ErrUnavailable):
		return Refusal{http.StatusServiceUnavailable, CodeUnavailable, "", "the token issuer is not reachable yet: try again later"}
	case errors.Is(err, ErrTokenExpired):
		return Refusal{http.StatusUnauthorized, CodeUnauthenticated, ReasonTokenExpired, "the token has expired"}
	case errors.Is(err, ErrNoIssuer):
		return Refusal{http.StatusUnauthorized, CodeUnauthenticated, "", "this server accepts no bearer tokens"}
	case errors.Is(err, ErrMalformed):
		return Refusal{http.StatusUnauthorized, CodeUnauthenticated, "", "malformed Authorization header: want Bearer <token>"}
	case errors.Is(err, ErrTokenTooLarge):
		return Refusal{http.StatusUnauthorized, CodeUnauthenticated, "", "token too large"}
	}
	return Refusal{http.StatusUnauthorized, CodeUnauthenticated, "", "invalid or expired token"}
}

// Extensions are the GraphQL error extensions of r.
func (r Refusal) Extensions() map[string]any {
	ext := map[string]any{"code": r.Code}
	if r.Reason != "" {
		ext["reason"] = r.Reason
	}
	return ext
}

// WriteRefusal answers a request refused with err: 401 with
// WWW-Authenticate, or 503 with Retry-After, and a GraphQL error body.
func WriteRefusal(w http.ResponseWriter, err error) {
	r := RefusalOf(err)
	w.Header().Set("Content-Type", "application/json")
	if r.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.WriteHeader(r.Status)
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck
		"errors": []any{map[string]any{"message": r.Message, "extensions": r.Extensions()}},
	})
}

// UnverifiedExpiry reads the exp claim of the bearer token of an
// Authorization value WITHOUT verifying it: for a server that forwards
// tokens to others that verify them (the gateway command), to end a
// stream no later than its token claims. Never use it to grant anything.
func UnverifiedExpiry(authorization string) (time.Time, bool) {
	raw, err := BearerToken(authorization)
	if err != nil {
		return time.Time{}, false
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var c struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Exp == nil {
		return time.Time{}, false
	}
	f, err := c.Exp.Float64()
	if err != nil || f <= 0 || f > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
