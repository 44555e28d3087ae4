package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

// startIssuer serves a development issuer on a real HTTP server.
func startIssuer(t *testing.T) (*devissuer.Issuer, string) {
	t.Helper()
	var iss *devissuer.Issuer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iss.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var err error
	iss, err = devissuer.New(srv.URL, "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	return iss, srv.URL
}

func TestDiscoveryVerifyAndMiddleware(t *testing.T) {
	iss, issuerURL := startIssuer(t)
	ctx := context.Background()
	v, err := auth.NewVerifier(ctx, issuerURL, "citizengraph")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}

	// A token from the token endpoint, over HTTP.
	resp, err := http.PostForm(issuerURL+"/token", url.Values{
		"fiscal_code": {"TINIT-RSSMRA85T10A562S"}, "roles": {"citizen,operator"}, "comuni": {"015146"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("token endpoint: %v %+v", err, tr)
	}
	resp.Body.Close()

	var seen *auth.Principal
	h := auth.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = auth.FromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))

	do := func(header string) *http.Response {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		rec := httptest.NewRecorder()
		seen = nil
		h.ServeHTTP(rec, req)
		return rec.Result()
	}

	if r := do("Bearer " + tr.AccessToken); r.StatusCode != http.StatusNoContent {
		t.Fatalf("valid token: status %d", r.StatusCode)
	}
	if seen == nil || seen.FiscalCode != "RSSMRA85T10A562S" || !seen.Has(auth.RoleOperator) || !seen.OperatesIn("015146") || seen.OperatesIn("015002") {
		t.Fatalf("principal: %+v", seen)
	}

	if r := do(""); r.StatusCode != http.StatusNoContent || seen != nil {
		t.Fatalf("anonymous request: status %d principal %+v", r.StatusCode, seen)
	}

	// A token signed by another issuer's key is rejected with a GraphQL error.
	other, _ := startIssuer(t)
	forged, err := other.Token(auth.Claims{FiscalCode: "RSSMRA85T10A562S"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Bearer " + forged, "Bearer not-a-jwt", "Basic abc", "Bearer "} {
		r := do(bad)
		body, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"UNAUTHENTICATED"`) {
			t.Errorf("%q: status %d body %s", bad, r.StatusCode, body)
		}
		if seen != nil {
			t.Errorf("%q reached the handler", bad)
		}
	}

	// Expired tokens are rejected.
	expired, _ := iss.Token(auth.Claims{FiscalCode: "RSSMRA85T10A562S"}, -time.Minute)
	if r := do("Bearer " + expired); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: status %d", r.StatusCode)
	}

	// The static verifier (no discovery) accepts the same tokens.
	p, err := iss.Verifier().Verify(ctx, tr.AccessToken)
	if err != nil || p.FiscalCode != "RSSMRA85T10A562S" {
		t.Fatalf("static verifier: %v %+v", err, p)
	}
}
