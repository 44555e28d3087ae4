package auth_test

import (
	"slices"
	"testing"

	"github.com/citizengraph/citizengraph/internal/auth"
)

func TestClaimsClientAndFirstParty(t *testing.T) {
	operator := []string{auth.RoleCitizen, auth.RoleOperator, auth.RoleAdmin}
	cases := []struct {
		name       string
		c          auth.Claims
		client     string
		firstParty bool
	}{
		{"no azp nor client_id", auth.Claims{}, "", true},
		{"azp citizengraph", auth.Claims{AuthorizedParty: "citizengraph"}, "citizengraph", true},
		{"azp portal", auth.Claims{AuthorizedParty: "citizengraph-portal"}, "citizengraph-portal", true},
		{"azp desk", auth.Claims{AuthorizedParty: "citizengraph-desk"}, "citizengraph-desk", true},
		{"azp third party", auth.Claims{AuthorizedParty: "civic-app"}, "civic-app", false},
		{"client_id third party", auth.Claims{ClientID: "civic-app"}, "civic-app", false},
		{"azp wins over client_id", auth.Claims{AuthorizedParty: "citizengraph", ClientID: "civic-app"}, "citizengraph", true},
		{"near miss is third party", auth.Claims{AuthorizedParty: "citizengraph-portal2"}, "citizengraph-portal2", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Roles, tc.c.Comuni, tc.c.Scope = operator, []string{"015146"}, "payments:read  profile:read"
			p := tc.c.Principal()
			if p.Client != tc.client || p.FirstParty != tc.firstParty {
				t.Fatalf("client %q first party %v, want %q %v", p.Client, p.FirstParty, tc.client, tc.firstParty)
			}
			if !slices.Equal(p.Scopes, []string{"payments:read", "profile:read"}) {
				t.Fatalf("scopes %q", p.Scopes)
			}
			if tc.firstParty {
				if !p.Has(auth.RoleAdmin) || !p.OperatesIn("015146") {
					t.Fatal("a first-party token lost its roles")
				}
				return
			}
			if p.Has(auth.RoleOperator) || p.Has(auth.RoleAdmin) || p.OperatesIn("015146") || len(p.Comuni) != 0 {
				t.Fatalf("a third-party token kept operator powers: %+v", p)
			}
			if !p.Has(auth.RoleCitizen) {
				t.Fatal("a third-party token lost the citizen role")
			}
		})
	}
}

func TestAllows(t *testing.T) {
	var anon *auth.Principal
	for _, s := range auth.Scopes() {
		if anon.Allows(s) {
			t.Fatalf("anonymous allowed %s", s)
		}
		if !(&auth.Principal{FirstParty: true}).Allows(s) {
			t.Fatalf("first party refused %s", s)
		}
		app := &auth.Principal{Scopes: []string{s}}
		for _, o := range auth.Scopes() {
			if app.Allows(o) != (o == s) {
				t.Fatalf("app with %s: Allows(%s) = %v", s, o, app.Allows(o))
			}
		}
	}
	if (&auth.Principal{Scopes: []string{"payments:write"}}).Allows("payments:read") {
		t.Fatal("write implies read")
	}
	if len(auth.Scopes()) != 10 {
		t.Fatalf("vocabulary of %d scopes", len(auth.Scopes()))
	}
}
