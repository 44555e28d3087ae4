package guard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/guard"
)

// TestRateLimitPerClient: each client — a verified subject, an app
// without one, an anonymous address — has its own bucket; past it, 429
// with Retry-After and RATE_LIMITED, while other clients are served.
func TestRateLimitPerClient(t *testing.T) {
	lim := guard.NewRateLimiter(0.2, 3) // a token every 5 s
	h := lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	send := func(p *auth.Principal, addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.RemoteAddr = addr
		if p != nil {
			req = req.WithContext(auth.WithPrincipal(req.Context(), p))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	ada, bob, app := &auth.Principal{Subject: "ada"}, &auth.Principal{Subject: "bob"}, &auth.Principal{Client: "civic-app"}
	for _, c := range []struct {
		p    *auth.Principal
		addr string
	}{{ada, "10.0.0.1:1"}, {app, "10.0.0.1:2"}, {nil, "10.0.0.1:3"}} {
		for i := range 3 {
			if rec := send(c.p, c.addr); rec.Code != 200 {
				t.Fatalf("%v request %d within the burst: %d", c.p, i, rec.Code)
			}
		}
		rec := send(c.p, c.addr)
		var out struct {
			Errors []struct{ Extensions map[string]any }
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		retry, _ := strconv.Atoi(rec.Header().Get("Retry-After"))
		if rec.Code != http.StatusTooManyRequests || retry < 1 || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != guard.CodeRateLimited {
			t.Fatalf("%v over the burst: %d Retry-After %q %s", c.p, rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
		}
	}
	// Ada's address is shared, her bucket is not; another anonymous
	// address has its own.
	if rec := send(bob, "10.0.0.1:4"); rec.Code != 200 {
		t.Fatalf("another subject on the same address: %d", rec.Code)
	}
	if rec := send(nil, "10.0.0.2:1"); rec.Code != 200 {
		t.Fatalf("another address: %d", rec.Code)
	}
	if guard.NewRateLimiter(0, 10) != nil {
		t.Fatal("a zero rate limits")
	}
}

// TestVerifiedKey: under VerifiedKey a valid token names its subject (or
// its app) from any address; no token, a forged one, an expired one or
// garbage name the address, so that no request picks its own bucket.
func TestVerifiedKey(t *testing.T) {
	iss, err := devissuer.New("https://issuer.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	forger, err := devissuer.New("https://issuer.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	mint := func(is *devissuer.Issuer, c auth.Claims, ttl time.Duration) string {
		tok, err := is.Token(c, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	key := guard.VerifiedKey(iss.Verifier())
	of := func(authorization, addr string) string {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.RemoteAddr = addr
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		return key(req)
	}
	ada := mint(iss, auth.Claims{Subject: "ada"}, time.Hour)
	for _, c := range []struct{ name, authorization, addr, want string }{
		{"ada", ada, "10.0.0.1:1", "sub:ada"},
		{"ada elsewhere", ada, "192.0.2.7:9", "sub:ada"},
		{"anonymous", "", "10.0.0.1:1", "addr:10.0.0.1"},
		{"forged ada", mint(forger, auth.Claims{Subject: "ada"}, time.Hour), "10.0.0.2:1", "addr:10.0.0.2"},
		{"expired ada", mint(iss, auth.Claims{Subject: "ada"}, -time.Minute), "10.0.0.3:1", "addr:10.0.0.3"},
		{"garbage", "Bearer not.a.token", "10.0.0.4:1", "addr:10.0.0.4"},
		{"another scheme", "Basic YWRhOmFkYQ==", "10.0.0.5:1", "addr:10.0.0.5"},
	} {
		if got := of(c.authorization, c.addr); got != c.want {
			t.Errorf("%s: key %q, want %q", c.name, got, c.want)
		}
	}
	// A token naming an app and no subject (client credentials).
	appOnly := guard.VerifiedKey(stubVerifier{"app-token": {Client: "civic-app"}})
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	r.RemoteAddr, r.Header = "10.0.0.1:1", http.Header{"Authorization": {"Bearer app-token"}}
	if got := appOnly(r); got != "app:civic-app" {
		t.Errorf("an app without subject: key %q", got)
	}
	// Without a verifier nothing is believed.
	if got := guard.VerifiedKey(nil)(func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		r.RemoteAddr, r.Header = "10.0.0.6:1", http.Header{"Authorization": {ada}}
		return r
	}()); got != "addr:10.0.0.6" {
		t.Errorf("no verifier: key %q", got)
	}
}

// stubVerifier accepts the tokens it maps.
type stubVerifier map[string]*auth.Principal

func (v stubVerifier) Verify(_ context.Context, raw string) (*auth.Principal, error) {
	if p, ok := v[raw]; ok {
		return p, nil
	}
	return nil, auth.ErrInvalidToken
}
