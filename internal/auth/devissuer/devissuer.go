// Package devissuer is a DEVELOPMENT-ONLY OpenID Connect issuer: discovery,
// JWKS and a token endpoint that signs a token for whoever it is asked for —
// a citizen, an operator of some comuni, an administrator, a third-party app
// acting for a citizen with some scopes, or an app on its own (client
// credentials). It stands in for the city's SPID/CIE identity broker in
// local runs (citizengraph serve --dev-issuer) and in tests. It performs no
// authentication at all and must never be exposed in production: its
// discovery document says citizengraph_development_only and every token it
// signs carries the claim citizengraph_dev.
//
// It also speaks the OpenID Connect authorization code flow with PKCE (S256
// only) for registered public clients, like the portal: its authorization
// endpoint is a sign-in page, marked DEVELOPMENT ONLY, listing the accounts
// of a [Directory] (in serve, seeded citizens and operators); choosing one
// issues a single-use code valid for [CodeTTL], redirected to the
// client's exactly registered redirect URI with the request's state; the
// token endpoint exchanges it, with the code verifier, for an access token
// for the API and an ID token for the client carrying the nonce.
package devissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/citizengraph/citizengraph/internal/auth"
)

const keyID = "citizengraph-dev"

// Issuer signs development tokens.
type Issuer struct {
	url      string
	audience string
	key      *rsa.PrivateKey
	signer   jose.Signer
	// clients are the registered clients of the authorization code flow
	// (id → redirect URIs); set at construction, read-only after.
	clients   map[string][]string
	directory Directory
	codes     *codeStore
}

// New creates an issuer identified by url (the URL its handler is served
// at) issuing tokens for audience, with a fresh RSA key. The options
// register the clients of the authorization code flow and the directory
// its sign-in page lists.
func New(url, audience string, opts ...Option) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devissuer: key: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithHeader("kid", keyID).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("devissuer: signer: %w", err)
	}
	i := &Issuer{url: strings.TrimSuffix(url, "/"), audience: audience, key: key, signer: signer,
		clients: map[string][]string{}, codes: &codeStore{m: map[string]grant{}}}
	for _, o := range opts {
		o(i)
	}
	return i, nil
}

// URL is the issuer identifier.
func (i *Issuer) URL() string { return i.url }

// PublicKey is the key the issuer signs with.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// Audience is the audience of the issuer's tokens.
func (i *Issuer) Audience() string { return i.audience }

// Verifier returns a verifier for this issuer's tokens that needs no
// discovery round trip.
func (i *Issuer) Verifier() *auth.Verifier {
	return auth.NewStaticVerifier(i.url, i.audience, &i.key.PublicKey)
}

// Token signs a token carrying c, valid for ttl.
func (i *Issuer) Token(c auth.Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	body := map[string]any{
		"iss": i.url, "aud": i.audience, "sub": subject(c),
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		"fiscal_number": c.FiscalCode, "name": c.Name,
		"roles": c.Roles, "comuni": c.Comuni, "scope": c.Scope,
		// Marks every token of this issuer: development only.
		"citizengraph_dev": true,
	}
	if c.AuthorizedParty != "" {
		body["azp"] = c.AuthorizedParty
	}
	if c.ClientID != "" {
		body["client_id"] = c.ClientID
	}
	return i.sign(body)
}

// idToken signs an OpenID Connect ID token for client about c's person.
func (i *Issuer) idToken(c auth.Claims, client, nonce string, authTime time.Time, ttl time.Duration) (string, error) {
	now := time.Now()
	body := map[string]any{
		"iss": i.url, "aud": client, "azp": client, "sub": subject(c),
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(), "auth_time": authTime.Unix(), "nonce": nonce,
		"name": c.Name, "fiscal_number": c.FiscalCode, "roles": c.Roles, "comuni": c.Comuni,
		"citizengraph_dev": true,
	}
	return i.sign(body)
}

func subject(c auth.Claims) string {
	if c.Subject == "" {
		return "dev-" + strings.ToLower(c.FiscalCode)
	}
	return c.Subject
}

func (i *Issuer) sign(body map[string]any) (string, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("devissuer: %w", err)
	}
	sig, err := i.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("devissuer: sign: %w", err)
	}
	tok, err := sig.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("devissuer: %w", err)
	}
	return tok, nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}
