package devissuer

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// Grants of the token endpoint.
const (
	// GrantDev (the default) signs a token for a person: a citizen, an
	// operator or an administrator, optionally issued to a third-party
	// app acting for them. No authentication: development only.
	GrantDev = "urn:citizengraph:dev"
	// GrantClientCredentials signs a token for an app acting on its own
	// (OAuth client credentials): sub is the client id, no person.
	GrantClientCredentials = "client_credentials"
	// GrantAuthorizationCode redeems a code of the sign-in page
	// (OpenID Connect authorization code flow with PKCE S256): form
	// fields code, redirect_uri, client_id, code_verifier. It answers
	// access_token (for the API, azp = the client) and id_token (aud = the
	// client, with the request's nonce).
	GrantAuthorizationCode = "authorization_code"
)

// DefaultTTL is the lifetime of a token when the request names none.
const DefaultTTL = 8 * time.Hour

// MaxTTL bounds a requested lifetime.
const MaxTTL = 24 * time.Hour

// Handler serves /.well-known/openid-configuration, /keys, /authorize (the
// sign-in page of the authorization code flow: GET shows it, POST takes
// the choice) and /token relative to the issuer URL's path prefix, which
// the caller strips.
//
// POST /token takes form fields:
//
//   - grant_type: urn:citizengraph:dev (default) or client_credentials;
//   - for a person: fiscal_code (required for citizens), name, sub,
//     roles (comma-separated: citizen, operator, admin; default citizen),
//     comuni (comma-separated ISTAT codes, required for operators);
//     client_id and scope to issue the token to a third-party app acting
//     for the person (azp = client_id; a third-party token keeps only the
//     citizen role);
//   - for client_credentials: client_id (or HTTP Basic user) and scope;
//   - scope: space-separated scopes of the vocabulary (auth.Scopes);
//   - expires_in: lifetime in seconds (default 8h, at most 24h).
//
// It answers {"access_token", "token_type": "Bearer", "expires_in",
// "scope"}, or an OAuth error (invalid_request, unsupported_grant_type,
// invalid_scope) with status 400.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                         i.url,
			"jwks_uri":                                       i.url + "/keys",
			"token_endpoint":                                 i.url + "/token",
			"authorization_endpoint":                         i.url + "/authorize",
			"response_types_supported":                       []string{"code"},
			"response_modes_supported":                       []string{"query"},
			"subject_types_supported":                        []string{"public"},
			"id_token_signing_alg_values_supported":          []string{"RS256"},
			"grant_types_supported":                          []string{GrantAuthorizationCode, GrantDev, GrantClientCredentials},
			"code_challenge_methods_supported":               []string{"S256"},
			"scopes_supported":                               append([]string{"openid", "profile"}, auth.Scopes()...),
			"claims_supported":                               []string{"sub", "name", "fiscal_number", "roles", "comuni", "nonce", "auth_time"},
			"authorization_response_iss_parameter_supported": true,
			"token_endpoint_auth_methods_supported":          []string{"none"},
			"citizengraph_development_only":                  true,
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &i.key.PublicKey, KeyID: keyID, Algorithm: "RS256", Use: "sig",
		}}})
	})
	mux.HandleFunc("GET /authorize", i.authorizeGet)
	mux.HandleFunc("POST /authorize", i.authorizePost)
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			oauthError(w, "invalid_request", "the body is not a form")
			return
		}
		if r.PostForm.Get("grant_type") == GrantAuthorizationCode {
			i.redeem(w, r)
			return
		}
		c, ttl, oerr := claimsOf(r)
		if oerr != nil {
			oauthError(w, oerr.code, oerr.desc)
			return
		}
		tok, err := i.Token(c, ttl)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl.Seconds()), "scope": c.Scope,
		})
	})
	return mux
}

type tokenError struct{ code, desc string }

func invalid(format string, args ...any) *tokenError {
	return &tokenError{"invalid_request", fmt.Sprintf(format, args...)}
}

// claimsOf reads a token request.
func claimsOf(r *http.Request) (auth.Claims, time.Duration, *tokenError) {
	f := r.Form
	ttl := DefaultTTL
	if s := f.Get("expires_in"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || time.Duration(n)*time.Second > MaxTTL {
			return auth.Claims{}, 0, invalid("expires_in must be a number of seconds between 1 and %d", int(MaxTTL.Seconds()))
		}
		ttl = time.Duration(n) * time.Second
	}
	scopes := strings.Fields(f.Get("scope"))
	for _, s := range scopes {
		if !slices.Contains(auth.Scopes(), s) {
			return auth.Claims{}, 0, &tokenError{"invalid_scope", fmt.Sprintf("unknown scope %q (the vocabulary: %s)", s, strings.Join(auth.Scopes(), " "))}
		}
	}
	client := strings.TrimSpace(f.Get("client_id"))
	if u, _, ok := r.BasicAuth(); ok && client == "" {
		client = u
	}
	c := auth.Claims{Scope: strings.Join(scopes, " ")}
	switch grant := f.Get("grant_type"); grant {
	case GrantClientCredentials:
		if client == "" {
			return auth.Claims{}, 0, invalid("client_credentials needs client_id")
		}
		for _, person := range []string{"fiscal_code", "roles", "comuni", "sub", "name"} {
			if f.Get(person) != "" {
				return auth.Claims{}, 0, invalid("a client_credentials token has no person: %s is not allowed", person)
			}
		}
		c.Subject, c.AuthorizedParty, c.ClientID = client, client, client
		return c, ttl, nil
	case "", GrantDev:
	default:
		return auth.Claims{}, 0, &tokenError{"unsupported_grant_type", fmt.Sprintf("grant_type %q: want %s, %s or %s", grant, GrantAuthorizationCode, GrantDev, GrantClientCredentials)}
	}
	c.FiscalCode = strings.ToUpper(strings.TrimSpace(f.Get("fiscal_code")))
	c.Name = f.Get("name")
	c.Subject = f.Get("sub")
	c.Roles = split(f.Get("roles"))
	c.Comuni = split(f.Get("comuni"))
	if len(c.Roles) == 0 {
		c.Roles = []string{auth.RoleCitizen}
	}
	for _, role := range c.Roles {
		if role != auth.RoleCitizen && role != auth.RoleOperator && role != auth.RoleAdmin {
			return auth.Claims{}, 0, invalid("unknown role %q (citizen, operator, admin)", role)
		}
	}
	if slices.Contains(c.Roles, auth.RoleCitizen) && c.FiscalCode == "" {
		return auth.Claims{}, 0, invalid("fiscal_code is required for a citizen")
	}
	if slices.Contains(c.Roles, auth.RoleOperator) && len(c.Comuni) == 0 {
		return auth.Claims{}, 0, invalid("comuni (ISTAT codes) are required for an operator")
	}
	if c.Subject == "" && c.FiscalCode == "" {
		c.Subject = "dev-" + strings.Join(c.Roles, "-") + "-" + strings.Join(c.Comuni, "-")
		c.Subject = strings.TrimSuffix(c.Subject, "-")
	}
	if client != "" {
		c.AuthorizedParty = client
	}
	return c, ttl, nil
}

func oauthError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}
