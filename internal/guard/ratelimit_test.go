package guard_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/citizengraph/citizengraph/internal/auth"
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
