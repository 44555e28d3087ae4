// Package devissuer is a DEVELOPMENT-ONLY OpenID Connect issuer: discovery,
// JWKS and a token endpoint that signs a token for whatever fiscal code and
// roles it is asked for. It stands in for the city's SPID/CIE identity broker
// in local runs (citizengraph serve --dev-issuer) and in tests. It performs no
// authentication at all and must never be exposed in production.
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
}

// New creates an issuer identified by url (the URL its handler is served
// at) issuing tokens for audience, with a fresh RSA key.
func New(url, audience string) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devissuer: key: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithHeader("kid", keyID).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("devissuer: signer: %w", err)
	}
	return &Issuer{url: strings.TrimSuffix(url, "/"), audience: audience, key: key, signer: signer}, nil
}

// URL is the issuer identifier.
func (i *Issuer) URL() string { return i.url }

// Verifier returns a verifier for this issuer's tokens that needs no
// discovery round trip.
func (i *Issuer) Verifier() *auth.Verifier {
	return auth.NewStaticVerifier(i.url, i.audience, &i.key.PublicKey)
}

// Token signs a token carrying c, valid for ttl.
func (i *Issuer) Token(c auth.Claims, ttl time.Duration) (string, error) {
	now := time.Now()
	body := map[string]any{
		"iss": i.url, "aud": i.audience, "sub": c.Subject,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		"fiscal_number": c.FiscalCode, "name": c.Name,
		"roles": c.Roles, "comuni": c.Comuni, "scope": c.Scope,
	}
	if c.Subject == "" {
		body["sub"] = "dev-" + strings.ToLower(c.FiscalCode)
	}
	if c.AuthorizedParty != "" {
		body["azp"] = c.AuthorizedParty
	}
	if c.ClientID != "" {
		body["client_id"] = c.ClientID
	}
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

// Handler serves /.well-known/openid-configuration, /keys and /token
// relative to the issuer URL's path prefix, which the caller strips.
//
// POST /token with form fields fiscal_code, roles (comma-separated:
// citizen, operator, admin), comuni (comma-separated ISTAT codes) and
// name returns {"access_token": …, "token_type": "Bearer", "expires_in": …}.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                i.url,
			"jwks_uri":                              i.url + "/keys",
			"token_endpoint":                        i.url + "/token",
			"authorization_endpoint":                i.url + "/authorize",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &i.key.PublicKey, KeyID: keyID, Algorithm: "RS256", Use: "sig",
		}}})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		c := auth.Claims{
			FiscalCode: strings.ToUpper(strings.TrimSpace(r.Form.Get("fiscal_code"))),
			Name:       r.Form.Get("name"),
			Roles:      split(r.Form.Get("roles")),
			Comuni:     split(r.Form.Get("comuni")),
			Scope:      r.Form.Get("scope"),
		}
		if len(c.Roles) == 0 {
			c.Roles = []string{auth.RoleCitizen}
		}
		if c.FiscalCode == "" && !(len(c.Roles) > 0 && c.Roles[0] != auth.RoleCitizen) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "fiscal_code is required"})
			return
		}
		const ttl = 8 * time.Hour
		tok, err := i.Token(c, ttl)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl.Seconds()),
		})
	})
	return mux
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
