package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

// fromAddress is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.0/8 is all loopback), so that one test stands for
// callers behind several addresses.
func fromAddress(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// statusOf posts a query to the gateway from c with token (none when
// empty) and returns the HTTP status.
func statusOf(t *testing.T, c *http.Client, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ comune(istatCode: \"015146\") { name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// issuerServer serves a development issuer at its own URL.
func issuerServer(t *testing.T) *devissuer.Issuer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := devissuer.New("http://"+l.Addr().String(), "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(iss.Handler())
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return iss
}

// TestGatewayCommandRateLimitByPrincipal runs citizengraph gateway with a
// rate limit of bursts of 2 (and next to no refill): under
// --rate-limit-by principal, two people behind one address each have
// their own bucket, one token is one bucket from any address, and a
// forged token (another issuer's key, someone's subject) is limited by
// its address and spends nothing of that someone's; by default, by
// address, the people behind one address share one bucket and one token
// gets a fresh one from every address.
func TestGatewayCommandRateLimitByPrincipal(t *testing.T) {
	iss := issuerServer(t)
	forger, err := devissuer.New(iss.URL(), "citizengraph") // same issuer URL, another key
	if err != nil {
		t.Fatal(err)
	}
	mint := func(is *devissuer.Issuer, sub string) string {
		tok, err := is.Token(auth.Claims{Subject: sub, FiscalCode: "RSSMRA80A01F205X", Roles: []string{auth.RoleCitizen}}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	alice, bob, forged := mint(iss, "alice"), mint(iss, "bob"), mint(forger, "bob")
	dead := "http://" + freeAddr(t) + "/graphql"
	start := func(t *testing.T, extra ...string) string {
		addr := freeAddr(t)
		args := []string{"gateway", "--supergraph", filepath.Join("..", "..", "schema", "supergraph.graphqls"), "--addr", addr,
			"--rate-limit", "0.0001", "--rate-burst", "2"}
		for _, n := range []string{"culture", "identity", "payments", "practices", "territory"} {
			args = append(args, "--subgraph", n+"="+dead)
		}
		gw := startGateway(t, append(args, extra...)...)
		t.Cleanup(func() { gw.stop(t) })
		base := "http://" + addr
		waitHealthy(t, base)
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the gateway's verifier did not reach the issuer")
			}
			time.Sleep(50 * time.Millisecond)
		}
		return base + "/graphql"
	}
	a1, a2, a3, a4 := fromAddress("127.0.0.1"), fromAddress("127.0.0.2"), fromAddress("127.0.0.3"), fromAddress("127.0.0.4")
	type step struct {
		from   *http.Client
		name   string
		token  string
		status int
	}
	run := func(t *testing.T, url string, steps []step) {
		for i, s := range steps {
			if got := statusOf(t, s.from, url, s.token); got != s.status {
				t.Errorf("step %d (%s): %d, want %d", i, s.name, got, s.status)
			}
		}
	}
	t.Run("by principal", func(t *testing.T) {
		url := start(t, "--rate-limit-by", "principal", "--oidc-issuer", iss.URL())
		run(t, url, []step{
			{a1, "alice", alice, 200}, {a1, "alice", alice, 200}, {a1, "alice over her burst", alice, 429},
			{a1, "bob, behind alice's address", bob, 200},
			{a2, "alice from another address", alice, 429},
			{a3, "anonymous", "", 200}, {a3, "anonymous", "", 200}, {a3, "anonymous over the address's burst", "", 429},
			{a4, "forged bob", forged, 200}, {a4, "forged bob", forged, 200}, {a4, "forged bob over the address's burst", forged, 429},
			{a1, "bob, untouched by the forgeries", bob, 200}, {a2, "bob over his burst, from anywhere", bob, 429},
		})
	})
	t.Run("by address (default)", func(t *testing.T) {
		url := start(t)
		run(t, url, []step{
			{a1, "alice", alice, 200}, {a1, "alice", alice, 200}, {a1, "alice over the address's burst", alice, 429},
			{a1, "bob, behind alice's address", bob, 429},
			{a2, "alice from another address", alice, 200},
		})
	})
	t.Run("principal without an issuer", func(t *testing.T) {
		addr := freeAddr(t)
		gw := startGateway(t, "gateway", "--supergraph", filepath.Join("..", "..", "schema", "supergraph.graphqls"), "--addr", addr, "--rate-limit-by", "principal")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		select {
		case err := <-gw.done:
			if err == nil {
				t.Fatal("the gateway started without an issuer to verify tokens")
			}
		case <-ctx.Done():
			t.Fatal("the gateway did not refuse --rate-limit-by principal without --oidc-issuer")
		}
	})
}
