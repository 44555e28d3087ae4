package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Roles a principal may hold.
const (
	RoleCitizen  = "citizen"
	RoleOperator = "operator" // an operator of the comuni listed in Principal.Comuni
	RoleAdmin    = "admin"
)

// Principal is an authenticated caller.
type Principal struct {
	Subject    string    // the token's sub
	FiscalCode string    // codice fiscale, from the SPID/CIE fiscal_number attribute
	Name       string    // display name, informational
	Roles      []string  // citizen, operator, admin
	Comuni     []string  // ISTAT codes an operator works for
	Scopes     []string  // OAuth scopes of third-party apps
	Expiry     time.Time // the token's exp: the sign-in ends then (zero: unknown)
	// Client is the OAuth client the token was issued to: its azp claim,
	// else its client_id; "" when the token names neither.
	Client string
	// FirstParty is set for tokens of citizengraph's own clients
	// ([IsFirstPartyClient]): they need no scopes, and only they carry the
	// operator and admin roles.
	FirstParty bool
}

// Has reports whether p holds role.
func (p *Principal) Has(role string) bool { return p != nil && slices.Contains(p.Roles, role) }

// OperatesIn reports whether p is an admin or an operator of comune istat.
func (p *Principal) OperatesIn(istat string) bool {
	if p == nil {
		return false
	}
	return p.Has(RoleAdmin) || (p.Has(RoleOperator) && slices.Contains(p.Comuni, istat))
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of ctx, or nil for anonymous calls.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Claims are the token claims citizengraph reads.
type Claims struct {
	Subject    string   `json:"sub"`
	FiscalCode string   `json:"fiscal_number"`
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	Comuni     []string `json:"comuni"`
	Scope      string   `json:"scope"`
	// AuthorizedParty is the client the token was issued to (OpenID
	// Connect azp).
	AuthorizedParty string `json:"azp,omitempty"`
	// ClientID is the client of an OAuth access token (RFC 9068), read
	// when azp is absent.
	ClientID string `json:"client_id,omitempty"`
}

// Principal converts the claims. SPID fiscal numbers come prefixed with the
// country ("TINIT-"); the prefix is dropped. The client is azp, else
// client_id; a token of a third-party client keeps only the citizen role
// and no comuni: operator and admin powers are first-party only.
func (c Claims) Principal() *Principal {
	fc := strings.ToUpper(strings.TrimPrefix(c.FiscalCode, "TINIT-"))
	client := c.AuthorizedParty
	if client == "" {
		client = c.ClientID
	}
	p := &Principal{
		Subject: c.Subject, FiscalCode: fc, Name: c.Name,
		Roles: c.Roles, Comuni: c.Comuni, Scopes: strings.Fields(c.Scope),
		Client: client, FirstParty: IsFirstPartyClient(client),
	}
	if !p.FirstParty {
		p.Roles, p.Comuni = nil, nil
		if slices.Contains(c.Roles, RoleCitizen) {
			p.Roles = []string{RoleCitizen}
		}
	}
	return p
}

// Verifier checks bearer tokens issued by one OpenID Connect issuer.
type Verifier struct {
	v *oidc.IDTokenVerifier
}

// NewVerifier discovers issuer and returns a verifier for tokens whose
// audience is audience.
func NewVerifier(ctx context.Context, issuer, audience string) (*Verifier, error) {
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover %s: %w", issuer, err)
	}
	return &Verifier{v: provider.Verifier(&oidc.Config{ClientID: audience})}, nil
}

// Verify checks raw and returns its principal.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Principal, error) {
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return nil, fmt.Errorf("auth: claims: %w", err)
	}
	p := c.Principal()
	p.Expiry = tok.Expiry
	return p, nil
}

// TokenVerifier is what Middleware needs of a verifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Principal, error)
}

// ErrNoToken is returned by BearerToken when the request carries none.
var ErrNoToken = errors.New("auth: no bearer token")

// BearerToken extracts the token of an "Authorization: Bearer …" header.
func BearerToken(h string) (string, error) {
	if h == "" {
		return "", ErrNoToken
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		return "", errors.New("auth: malformed Authorization header")
	}
	return strings.TrimSpace(tok), nil
}

// Middleware authenticates requests with v. Requests without a token pass
// through anonymously; a bad token is rejected with 401 and a GraphQL error
// whose extensions.code is UNAUTHENTICATED. A nil v lets every request
// through anonymously (used when no issuer is configured).
func Middleware(v TokenVerifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := VerifyAuthorization(r.Context(), v, r.Header.Get("Authorization"))
		if err != nil {
			writeUnauthenticated(w)
			return
		}
		if p != nil {
			r = r.WithContext(WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// VerifyAuthorization verifies the bearer token of an Authorization value
// with v: nil and no error when there is no token (or no verifier), an
// error when the value is malformed or the token invalid.
func VerifyAuthorization(ctx context.Context, v TokenVerifier, authorization string) (*Principal, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := BearerToken(authorization)
	if errors.Is(err, ErrNoToken) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, raw)
}

func writeUnauthenticated(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck
		"errors": []any{map[string]any{
			"message":    "invalid or expired token",
			"extensions": map[string]any{"code": "UNAUTHENTICATED"},
		}},
	})
}

// NewStaticVerifier verifies tokens of issuer signed by one of keys, without
// discovery; used when the issuer runs in the same process (the development
// issuer of citizengraph serve).
func NewStaticVerifier(issuer, audience string, keys ...crypto.PublicKey) *Verifier {
	ks := &oidc.StaticKeySet{PublicKeys: keys}
	return &Verifier{v: oidc.NewVerifier(issuer, ks, &oidc.Config{ClientID: audience})}
}
