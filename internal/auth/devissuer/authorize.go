package devissuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// CodeTTL is how long an authorization code may be redeemed.
const CodeTTL = time.Minute

// maxPendingCodes bounds the codes issued and not yet redeemed.
const maxPendingCodes = 10000

// Client is an OAuth client registered for the authorization code flow: a
// public client (no secret) that must prove possession of the code with
// PKCE S256, redirected only to one of its RedirectURIs, compared exactly.
type Client struct {
	ID           string
	RedirectURIs []string
}

// Account is someone the sign-in page offers: choosing it signs a token
// for Claims.
type Account struct {
	// ID identifies the account in the sign-in form (stable, opaque).
	ID string
	// Kind is auth.RoleCitizen, auth.RoleOperator or auth.RoleAdmin: the
	// section of the page that lists it.
	Kind string
	// Label names the account (a person's name, an office).
	Label string
	// Detail qualifies it (a fiscal code, the comuni served).
	Detail string
	Claims auth.Claims
}

// Directory is where the sign-in page finds its accounts (in serve, the
// seeded identity data).
type Directory interface {
	// Accounts lists at most limit accounts matching query (a name or a
	// fiscal code; empty: a selection of every kind).
	Accounts(ctx context.Context, query string, limit int) ([]Account, error)
	// Account finds the account with id; ok is false when there is none.
	Account(ctx context.Context, id string) (a Account, ok bool, err error)
}

// StaticDirectory is a fixed list of accounts.
type StaticDirectory []Account

// Accounts returns the accounts whose label, detail or fiscal code contain
// query (case-insensitively).
func (d StaticDirectory) Accounts(_ context.Context, query string, limit int) ([]Account, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	var out []Account
	for _, a := range d {
		if len(out) == limit {
			break
		}
		if q == "" || strings.Contains(strings.ToLower(a.Label+" "+a.Detail+" "+a.Claims.FiscalCode), q) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Account returns the account with id.
func (d StaticDirectory) Account(_ context.Context, id string) (Account, bool, error) {
	for _, a := range d {
		if a.ID == id {
			return a, true, nil
		}
	}
	return Account{}, false, nil
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithClients registers clients for the authorization code flow.
func WithClients(cs ...Client) Option {
	return func(i *Issuer) {
		for _, c := range cs {
			i.clients[c.ID] = slices.Clone(c.RedirectURIs)
		}
	}
}

// WithDirectory sets where the sign-in page finds its accounts.
func WithDirectory(d Directory) Option { return func(i *Issuer) { i.directory = d } }

// grant is an issued authorization code's request.
type grant struct {
	client, redirectURI, challenge, nonce string
	scopes                                []string
	account                               Account
	authTime, expires                     time.Time
}

// codeStore keeps the issued codes until they are redeemed (once) or
// expire.
type codeStore struct {
	mu sync.Mutex
	m  map[string]grant
}

func (s *codeStore) put(g grant) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("devissuer: code: %w", err)
	}
	code := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxPendingCodes {
		now := time.Now()
		for k, v := range s.m {
			if now.After(v.expires) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= maxPendingCodes {
			return "", errTooManyCodes
		}
	}
	s.m[codeKey(code)] = g
	return code, nil
}

var errTooManyCodes = fmt.Errorf("devissuer: too many pending authorization codes")

// take removes and returns the code's grant: a code is redeemed at most
// once, whatever the outcome of the attempt.
func (s *codeStore) take(code string) (grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := codeKey(code)
	g, ok := s.m[k]
	delete(s.m, k)
	if !ok || time.Now().After(g.expires) {
		return grant{}, false
	}
	return g, true
}

func codeKey(code string) string {
	h := sha256.Sum256([]byte(code))
	return string(h[:])
}

// authRequest is a validated authorization request.
type authRequest struct {
	client, redirectURI, state, nonce, challenge string
	scopes                                       []string
}

// authError is a refused authorization request: with redirect set, it is
// sent back to the client; otherwise (unknown client or redirect URI) it
// is shown to the user and nobody is redirected (RFC 6749 §4.1.2.1).
type authError struct {
	code, desc string
	redirect   bool
}

// S256 challenges are the unpadded base64url SHA-256 of the verifier: 43
// characters.
const challengeLen = 43

// parseAuthRequest validates the parameters of an authorization request
// (query or form).
func (i *Issuer) parseAuthRequest(f url.Values) (authRequest, *authError) {
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(f[p]) > 1 {
			return authRequest{}, &authError{"invalid_request", p + " is repeated", false}
		}
	}
	r := authRequest{client: f.Get("client_id"), redirectURI: f.Get("redirect_uri")}
	uris, ok := i.clients[r.client]
	if !ok {
		return r, &authError{"invalid_client", fmt.Sprintf("unknown client_id %q", r.client), false}
	}
	if !slices.Contains(uris, r.redirectURI) {
		return r, &authError{"invalid_request", fmt.Sprintf("redirect_uri %q is not registered for %s", r.redirectURI, r.client), false}
	}
	r.state = f.Get("state")
	for _, p := range []string{"response_type", "state", "nonce", "scope", "code_challenge", "code_challenge_method"} {
		if len(f[p]) > 1 {
			return r, &authError{"invalid_request", p + " is repeated", true}
		}
	}
	if rt := f.Get("response_type"); rt != "code" {
		return r, &authError{"unsupported_response_type", fmt.Sprintf("response_type %q: only code is supported", rt), true}
	}
	if r.state == "" {
		return r, &authError{"invalid_request", "state is required", true}
	}
	if r.nonce = f.Get("nonce"); r.nonce == "" || len(r.nonce) > 255 {
		return r, &authError{"invalid_request", "nonce is required (at most 255 characters)", true}
	}
	if len(r.state) > 1024 {
		return r, &authError{"invalid_request", "state is longer than 1024 characters", true}
	}
	r.scopes = strings.Fields(f.Get("scope"))
	if !slices.Contains(r.scopes, "openid") {
		return r, &authError{"invalid_scope", "scope must include openid", true}
	}
	for _, s := range r.scopes {
		if s != "openid" && s != "profile" && !slices.Contains(auth.Scopes(), s) {
			return r, &authError{"invalid_scope", fmt.Sprintf("unknown scope %q", s), true}
		}
	}
	if m := f.Get("code_challenge_method"); m != "S256" {
		return r, &authError{"invalid_request", fmt.Sprintf("code_challenge_method %q: PKCE with S256 is required (plain is refused)", m), true}
	}
	r.challenge = f.Get("code_challenge")
	if len(r.challenge) != challengeLen || !isBase64URL(r.challenge) {
		return r, &authError{"invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)", true}
	}
	return r, nil
}

func isBase64URL(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validVerifier reports whether v is a PKCE code verifier (RFC 7636 §4.1).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~", c)) {
			return false
		}
	}
	return true
}

// pkceMatches reports whether verifier hashes to challenge (S256).
func pkceMatches(verifier, challenge string) bool {
	h := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(h[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// redirectTo sends the user agent back to the client with params (and the
// issuer, RFC 9207).
func (i *Issuer) redirectTo(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	q.Set("iss", i.url)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (i *Issuer) refuse(w http.ResponseWriter, r *http.Request, req authRequest, e *authError) {
	if !e.redirect {
		i.renderError(w, e)
		return
	}
	i.redirectTo(w, r, req.redirectURI, url.Values{"error": {e.code}, "error_description": {e.desc}, "state": {req.state}})
}

// authorizeGet shows the sign-in page for a valid request.
func (i *Issuer) authorizeGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, e := i.parseAuthRequest(q)
	if e != nil {
		i.refuse(w, r, req, e)
		return
	}
	i.renderSignIn(w, r, q, "", http.StatusOK)
}

// authorizePost takes the sign-in page's choice: an account (a code is
// issued and the user agent sent back to the client) or cancel
// (access_denied).
func (i *Issuer) authorizePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		i.renderError(w, &authError{"invalid_request", "the body is not a form", false})
		return
	}
	// A page of another site may not sign the browser in (login CSRF):
	// the browser names the form's origin.
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != origin(i.url) {
		i.renderError(w, &authError{"invalid_request", "the sign-in form was posted from another site", false})
		return
	}
	f := r.PostForm
	req, e := i.parseAuthRequest(f)
	if e != nil {
		i.refuse(w, r, req, e)
		return
	}
	if f.Get("cancel") != "" {
		i.redirectTo(w, r, req.redirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user cancelled the sign-in"}, "state": {req.state}})
		return
	}
	if i.directory == nil {
		i.renderError(w, &authError{"server_error", "no directory of accounts is configured", false})
		return
	}
	acc, ok, err := i.directory.Account(r.Context(), f.Get("account"))
	if err != nil {
		i.renderError(w, &authError{"server_error", "the accounts could not be read", false})
		return
	}
	if !ok {
		i.renderSignIn(w, r, f, "Scegli una delle persone elencate.", http.StatusBadRequest)
		return
	}
	now := time.Now()
	code, err := i.codes.put(grant{
		client: req.client, redirectURI: req.redirectURI, challenge: req.challenge, nonce: req.nonce,
		scopes: req.scopes, account: acc, authTime: now, expires: now.Add(CodeTTL),
	})
	if err != nil {
		i.refuse(w, r, req, &authError{"temporarily_unavailable", "too many sign-ins in progress", true})
		return
	}
	i.redirectTo(w, r, req.redirectURI, url.Values{"code": {code}, "state": {req.state}})
}

func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// redeem exchanges an authorization code (grant_type authorization_code)
// for an access token and an ID token.
func (i *Issuer) redeem(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	client := f.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok && client == "" {
		client = u
	}
	if _, ok := i.clients[client]; !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": fmt.Sprintf("unknown client_id %q", client)})
		return
	}
	code := f.Get("code")
	if code == "" {
		oauthError(w, "invalid_request", "code is required")
		return
	}
	// The code is spent by this attempt, whatever its outcome.
	g, ok := i.codes.take(code)
	if !ok {
		oauthError(w, "invalid_grant", "the code is unknown, expired or already used")
		return
	}
	if g.client != client {
		oauthError(w, "invalid_grant", "the code was issued to another client")
		return
	}
	if f.Get("redirect_uri") != g.redirectURI {
		oauthError(w, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	}
	v := f.Get("code_verifier")
	if !validVerifier(v) {
		oauthError(w, "invalid_grant", "code_verifier must be 43 to 128 unreserved characters")
		return
	}
	if !pkceMatches(v, g.challenge) {
		oauthError(w, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	c := g.account.Claims
	c.AuthorizedParty = client
	var apiScopes []string
	for _, s := range g.scopes {
		if s != "openid" && s != "profile" {
			apiScopes = append(apiScopes, s)
		}
	}
	c.Scope = strings.Join(apiScopes, " ")
	access, err := i.Token(c, DefaultTTL)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	id, err := i.idToken(c, client, g.nonce, g.authTime, DefaultTTL)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "id_token": id, "token_type": "Bearer",
		"expires_in": int(DefaultTTL.Seconds()), "scope": strings.Join(g.scopes, " "),
	})
}
