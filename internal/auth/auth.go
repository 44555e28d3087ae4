package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Roles a principal may hold.
const (
	RoleCitizen  = "citizen"
	RoleOperator = "operator" // an operator of the comuni listed in Principal.Comuni
	RoleAdmin    = "admin"
)

// Principal is an authenticated caller.
type Principal struct {
	Issuer     string    // the token's iss (set by a Verifier)
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
	return context.WithValue(ctx, ctxKey{}, &verified{principal: p})
}

// FromContext returns the principal of ctx, or nil for anonymous calls.
func FromContext(ctx context.Context) *Principal {
	if e, _ := ctx.Value(ctxKey{}).(*verified); e != nil {
		return e.principal
	}
	return nil
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
