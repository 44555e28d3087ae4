package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// credentialPaths sends authorization (and nothing else) on every path a
// credential reaches serve by — POST and GET at the gateway and at a
// subgraph, SSE at both, a WebSocket connection_init at both, and a
// WebSocket upgrade request carrying the header — and returns, per path,
// the HTTP status and GraphQL error code of the answer, or the WebSocket
// close code ("ws 4403").
func credentialPaths(t *testing.T, base, subgraphsBase, authorization string) map[string]string {
	t.Helper()
	out := map[string]string{}
	const q = `{"query":"{ comuni(first: 1) { nodes { name } } }"}`
	const sub = `{"query":"subscription { practiceStatusChanged(id: \"00000000-0000-0000-0000-000000000000\") { status } }"}`
	httpDo := func(name, method, url, body string, header map[string]string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", authorization)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var res gqlResponse
		_ = json.Unmarshal(b, &res)
		code := ""
		if len(res.Errors) > 0 {
			code, _ = res.Errors[0].Extensions["code"].(string)
		}
		out[name] = http.StatusText(resp.StatusCode) + " " + code
	}
	url := func(at string) string {
		if strings.HasPrefix(at, "/subgraphs/") {
			return subgraphsBase + at
		}
		return base + at
	}
	for _, at := range []string{"/graphql", "/subgraphs/territory"} {
		httpDo("POST "+at, http.MethodPost, url(at), q, nil)
		httpDo("GET "+at, http.MethodGet, url(at)+"?query=%7B__typename%7D", "", nil)
	}
	for _, at := range []string{"/graphql", "/subgraphs/practices"} {
		httpDo("SSE "+at, http.MethodPost, url(at), sub, map[string]string{"Accept": "text/event-stream"})
		out["WS init "+at] = wsInitOutcome(t, url(at), nil, authorization)
		out["WS upgrade "+at] = wsInitOutcome(t, url(at), http.Header{"Authorization": {authorization}}, "")
	}
	return out
}

// wsInitOutcome dials a graphql-transport-ws connection (with header on
// the upgrade), sends connection_init with authorization, and tells how
// it went: "ack", "ws <close code>", or "HTTP <status>" for a refused
// upgrade.
func wsInitOutcome(t *testing.T, url string, header http.Header, authorization string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header,
	})
	if err != nil {
		if resp != nil {
			return "HTTP " + http.StatusText(resp.StatusCode)
		}
		t.Fatalf("dial %s: %v", url, err)
	}
	defer conn.CloseNow() //nolint:errcheck
	payload := map[string]any{}
	if authorization != "" {
		payload["Authorization"] = authorization
	}
	b, _ := json.Marshal(map[string]any{"type": "connection_init", "payload": payload})
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for {
		_, m, err := conn.Read(ctx)
		if err != nil {
			return fmt.Sprintf("ws %d", int(websocket.CloseStatus(err)))
		}
		if bytes.Contains(m, []byte("connection_ack")) {
			return "ack"
		}
	}
}

// TestServeWithoutIssuerRefusesTokens: serve without an issuer serves
// requests without credentials anonymously, and refuses a bearer token —
// garbage or a well-formed token it cannot verify — on every path, instead
// of serving it as anonymous.
func TestServeWithoutIssuerRefusesTokens(t *testing.T) {
	sgs := registry()
	pool := devdb.NewTestDB(t, migrations(sgs)...)
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: nil}, sgs, gateway.Options{}, gateway.HandlerOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	real, err := iss.Token(auth.Claims{FiscalCode: "RSSMRA85T10A562S"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	anonymous := post(t, srv.URL+"/graphql", "", `{ comuni(first: 1) { nodes { name } } }`)
	if len(anonymous.Errors) > 0 {
		t.Fatalf("anonymous query: %+v", anonymous.Errors)
	}
	for _, a := range []string{"Bearer garbage", "Bearer " + real, "Basic dXNlcjpwYXNz", "Bearer"} {
		for path, got := range credentialPaths(t, srv.URL, srv.URL, a) {
			want := "Unauthorized UNAUTHENTICATED"
			switch {
			case strings.HasPrefix(path, "WS init"):
				want = "ws 4403"
			case strings.HasPrefix(path, "WS upgrade"):
				want = "HTTP Unauthorized"
			}
			if got != want {
				t.Errorf("%.20q at %s: %s, want %s", a, path, got, want)
			}
		}
	}
}

// TestServeNotReadyUntilIssuer runs serve against an issuer that is down:
// serve starts anyway, /readyz answers 503 and requests with tokens are
// refused with 503 UNAVAILABLE (WebSockets: 1013 Try Again Later) while
// anonymous ones are served; once the issuer is up, serve becomes ready
// and the same token is accepted.
func TestServeNotReadyUntilIssuer(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	var iss *devissuer.Issuer
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		iss.Handler().ServeHTTP(w, r)
	}))
	defer issuer.Close()
	var err error
	if iss, err = devissuer.New(issuer.URL, "citizengraph"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", devdb.TestURL(t, migrations(registry())...))
	addr, subgraphsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--addr", addr, "--subgraphs-addr", subgraphsAddr, "--oidc-issuer", issuer.URL})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + addr
	waitHealthy(t, base)
	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := ready(); s != http.StatusServiceUnavailable {
		t.Fatalf("/readyz %d while the issuer is down", s)
	}
	tok, err := iss.Token(auth.Claims{FiscalCode: "RSSMRA85T10A562S"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for path, got := range credentialPaths(t, base, "http://"+subgraphsAddr, "Bearer "+tok) {
		want := "Service Unavailable UNAVAILABLE"
		switch {
		case strings.HasPrefix(path, "WS init"):
			want = "ws 1013"
		case strings.HasPrefix(path, "WS upgrade"):
			want = "HTTP Service Unavailable"
		}
		if got != want {
			t.Errorf("not ready, %s: %s, want %s", path, got, want)
		}
	}
	if res := post(t, base+"/graphql", "", `{ comuni(first: 1) { nodes { name } } }`); len(res.Errors) > 0 {
		t.Fatalf("anonymous while not ready: %+v", res.Errors)
	}
	down.Store(false)
	deadline := time.Now().Add(15 * time.Second)
	for ready() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("serve never became ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res := post(t, base+"/graphql", tok, `{ comuni(first: 1) { nodes { name } } }`); len(res.Errors) > 0 {
		t.Fatalf("token once ready: %+v", res.Errors)
	}
}

// TestServeRefusesBadTokensEverywhere: with an issuer, every kind of bad
// token — expired, signed by another issuer, alg none, tampered, huge —
// is refused on every path a credential reaches serve by, at the gateway
// and at the subgraphs.
func TestServeRefusesBadTokensEverywhere(t *testing.T) {
	_, _, iss, srv := serveGraph(t, seedgen.Params{People: 5, Seed: 1})
	claims := auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen}}
	valid, err := iss.Token(claims, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := iss.Token(claims, -time.Minute)
	other, _ := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	forged, _ := other.Token(claims, time.Hour)
	parts := strings.Split(valid, ".")
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var body map[string]any
	_ = json.Unmarshal(payload, &body)
	body["roles"] = []string{"admin"}
	bad := map[string]string{
		"expired":  expired,
		"forged":   forged,
		"alg none": enc(map[string]string{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".",
		"tampered": parts[0] + "." + enc(body) + "." + parts[2],
		"huge":     valid + strings.Repeat("A", auth.MaxTokenBytes),
	}
	for name, tok := range bad {
		for path, got := range credentialPaths(t, srv.URL, srv.URL, "Bearer "+tok) {
			want := "Unauthorized UNAUTHENTICATED"
			switch {
			case strings.HasPrefix(path, "WS init"):
				want = "ws 4403"
			case strings.HasPrefix(path, "WS upgrade"):
				want = "HTTP Unauthorized"
			}
			if got != want {
				t.Errorf("%s token at %s: %s, want %s", name, path, got, want)
			}
		}
	}
	if res := post(t, srv.URL+"/graphql", valid, `{ comuni(first: 1) { nodes { name } } }`); len(res.Errors) > 0 {
		t.Fatalf("the valid token: %+v", res.Errors)
	}
}
