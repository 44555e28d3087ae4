package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// TestClientOf: a verified principal is its subject, whatever header
// comes with it; a forwarded token its unverified sub; anyone else the
// address WithPeer recorded, over a real connection.
func TestClientOf(t *testing.T) {
	ti := newTestIssuer(t)
	tok := ti.token(ti.claims())
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{Subject: "citizen-9"})
	if got := auth.ClientOf(ctx, "Bearer "+tok); got != "sub:citizen-9" {
		t.Errorf("principal: %s", got)
	}
	if got := auth.ClientOf(context.Background(), "Bearer "+tok); got != "sub:citizen-1" {
		t.Errorf("forwarded token: %s", got)
	}
	seen := make(chan string, 2)
	srv := httptest.NewServer(auth.WithPeer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- auth.ClientOf(r.Context(), r.Header.Get("Authorization"))
	})))
	defer srv.Close()
	for _, a := range []string{"", "Bearer garbage"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("Authorization", a)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		select {
		case got := <-seen:
			if got != "addr:127.0.0.1" {
				t.Errorf("anonymous %q: %s", a, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no request")
		}
	}
}
