package devissuer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

func serve(t *testing.T) (*devissuer.Issuer, string) {
	t.Helper()
	var iss *devissuer.Issuer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var err error
	if iss, err = devissuer.New(srv.URL, "citizengraph"); err != nil {
		t.Fatal(err)
	}
	return iss, srv.URL
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func request(t *testing.T, base string, form url.Values) (int, tokenResponse) {
	t.Helper()
	resp, err := http.PostForm(base+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, tr
}

// TestTokensForEveryKindOfCaller gets a token for each kind of caller from
// the token endpoint over HTTP and verifies it through discovery, as a
// real deployment would, checking the principal each one yields.
func TestTokensForEveryKindOfCaller(t *testing.T) {
	_, base := serve(t)
	v, err := auth.NewVerifier(context.Background(), base, "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		form  url.Values
		check func(p *auth.Principal) bool
	}{
		"citizen": {url.Values{"fiscal_code": {"rssmra85t10a562s"}, "name": {"Mario Rossi"}}, func(p *auth.Principal) bool {
			return p.FiscalCode == "RSSMRA85T10A562S" && p.Subject == "dev-rssmra85t10a562s" && slices.Equal(p.Roles, []string{"citizen"}) &&
				p.FirstParty && p.Client == "" && p.Name == "Mario Rossi"
		}},
		"portal citizen": {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "client_id": {"citizengraph-portal"}}, func(p *auth.Principal) bool {
			return p.FirstParty && p.Client == "citizengraph-portal" && p.Has(auth.RoleCitizen)
		}},
		"operator": {url.Values{"roles": {"operator"}, "comuni": {"015146,015002"}, "fiscal_code": {"VRDLGU70A01F205X"}}, func(p *auth.Principal) bool {
			return p.Has(auth.RoleOperator) && !p.Has(auth.RoleCitizen) && p.OperatesIn("015146") && p.OperatesIn("015002") && !p.OperatesIn("015077") && p.FirstParty
		}},
		"operator without fiscal code": {url.Values{"roles": {"operator"}, "comuni": {"015146"}}, func(p *auth.Principal) bool {
			return p.Subject == "dev-operator-015146" && p.OperatesIn("015146")
		}},
		"admin": {url.Values{"roles": {"admin"}}, func(p *auth.Principal) bool {
			return p.Has(auth.RoleAdmin) && p.OperatesIn("015077") && p.Subject == "dev-admin"
		}},
		"third-party app for a citizen": {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "client_id": {"civic-app"}, "scope": {"practices:read payments:read"}}, func(p *auth.Principal) bool {
			return p.Client == "civic-app" && !p.FirstParty && p.FiscalCode == "RSSMRA85T10A562S" &&
				p.Allows(auth.ScopePracticesRead) && p.Allows(auth.ScopePaymentsRead) && !p.Allows(auth.ScopeMessagesRead)
		}},
		"third-party app cannot carry operator powers": {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "roles": {"citizen,operator"}, "comuni": {"015146"}, "client_id": {"civic-app"}}, func(p *auth.Principal) bool {
			return !p.Has(auth.RoleOperator) && !p.OperatesIn("015146")
		}},
		"client credentials": {url.Values{"grant_type": {"client_credentials"}, "client_id": {"open-data-app"}, "scope": {"profile:read"}}, func(p *auth.Principal) bool {
			return p.Subject == "open-data-app" && p.Client == "open-data-app" && p.FiscalCode == "" && len(p.Roles) == 0 && !p.FirstParty &&
				slices.Equal(p.Scopes, []string{"profile:read"})
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, tr := request(t, base, c.form)
			if status != http.StatusOK || tr.TokenType != "Bearer" || tr.ExpiresIn != int(devissuer.DefaultTTL.Seconds()) {
				t.Fatalf("%d %+v", status, tr)
			}
			p, err := v.Verify(context.Background(), tr.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(p) {
				t.Fatalf("principal %+v", p)
			}
		})
	}
	// A short-lived token, for trying subscription expiry by hand.
	_, tr := request(t, base, url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "expires_in": {"60"}})
	p, err := v.Verify(context.Background(), tr.AccessToken)
	if err != nil || tr.ExpiresIn != 60 || p.Expiry.After(time.Now().Add(61*time.Second)) {
		t.Fatalf("expires_in=60: %v %+v %v", err, tr, p)
	}
}

func TestTokenRequestErrors(t *testing.T) {
	_, base := serve(t)
	for name, c := range map[string]struct {
		form url.Values
		code string
	}{
		"citizen without fiscal code":    {url.Values{"name": {"x"}}, "invalid_request"},
		"operator without comuni":        {url.Values{"roles": {"operator"}}, "invalid_request"},
		"unknown role":                   {url.Values{"roles": {"root"}}, "invalid_request"},
		"unknown scope":                  {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "scope": {"everything"}}, "invalid_scope"},
		"client credentials, no client":  {url.Values{"grant_type": {"client_credentials"}}, "invalid_request"},
		"client credentials with person": {url.Values{"grant_type": {"client_credentials"}, "client_id": {"a"}, "fiscal_code": {"RSSMRA85T10A562S"}}, "invalid_request"},
		"unsupported grant":              {url.Values{"grant_type": {"password"}}, "unsupported_grant_type"},
		"expires_in too long":            {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "expires_in": {"999999"}}, "invalid_request"},
		"expires_in not a number":        {url.Values{"fiscal_code": {"RSSMRA85T10A562S"}, "expires_in": {"soon"}}, "invalid_request"},
	} {
		status, tr := request(t, base, c.form)
		if status != http.StatusBadRequest || tr.Error != c.code || tr.AccessToken != "" || tr.ErrorDescription == "" {
			t.Errorf("%s: %d %+v, want 400 %s", name, status, tr, c.code)
		}
	}
}
