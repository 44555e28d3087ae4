package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/citizengraph/citizengraph/internal/auth"
)

const audience = "citizengraph"

// testIssuer is an OpenID Connect issuer over real HTTP whose keys a test
// can rotate, and which counts the fetches of its key set and can be down.
type testIssuer struct {
	t       testing.TB
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []signingKey // published
	down    atomic.Bool  // answer 503 to everything
	fetches atomic.Int64 // GET /keys
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	ti := &testIssuer{t: t}
	ti.srv = httptest.NewServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	ti.rotate("k1")
	return ti
}

func (ti *testIssuer) url() string { return ti.srv.URL }

// rotate publishes a new key (first in the set) and returns it.
func (ti *testIssuer) rotate(kid string) signingKey {
	ti.t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		ti.t.Fatal(err)
	}
	sk := signingKey{kid: kid, key: k}
	ti.mu.Lock()
	ti.keys = append([]signingKey{sk}, ti.keys...)
	ti.mu.Unlock()
	return sk
}

func (ti *testIssuer) current() signingKey {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.keys[0]
}

func (ti *testIssuer) serve(w http.ResponseWriter, r *http.Request) {
	if ti.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck
			"issuer": ti.url(), "jwks_uri": ti.url() + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "none", "HS256"},
		})
	case "/keys":
		ti.fetches.Add(1)
		ti.mu.Lock()
		var set jose.JSONWebKeySet
		for _, k := range ti.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
		}
		ti.mu.Unlock()
		json.NewEncoder(w).Encode(set) //nolint:errcheck
	default:
		http.NotFound(w, r)
	}
}

// claims are valid claims for the issuer, to be spoiled by a test.
func (ti *testIssuer) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": ti.url(), "aud": audience, "sub": "citizen-1", "fiscal_number": "TINIT-RSSMRA85T10A562S",
		"roles": []string{"citizen"}, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

// sign signs claims with key under kid and alg.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (ti *testIssuer) token(claims map[string]any) string {
	k := ti.current()
	return sign(ti.t, jose.RS256, k.key, k.kid, claims)
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// serveAuth puts v's middleware in front of a handler that reports the
// principal, on a real HTTP server, and returns a function doing one
// request with an Authorization value (none when empty).
func serveAuth(t testing.TB, v auth.TokenVerifier) func(authorization string) (int, http.Header, map[string]any) {
	t.Helper()
	srv := httptest.NewServer(auth.Middleware(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		json.NewEncoder(w).Encode(map[string]any{"principal": p}) //nolint:errcheck
	})))
	t.Cleanup(srv.Close)
	return func(authorization string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("not JSON: %s", body)
		}
		return resp.StatusCode, resp.Header, out
	}
}

// refusalCode is extensions.code (and reason) of a refused request's only error.
func refusalCode(t testing.TB, body map[string]any) (code, reason string) {
	t.Helper()
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("want one error, got %v", body)
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ = ext["code"].(string)
	reason, _ = ext["reason"].(string)
	return code, reason
}

// TestNoIssuerRefusesPresentTokens: a server without an issuer serves
// requests without credentials anonymously but refuses every request that
// carries an Authorization header, well-formed or not, with 401
// UNAUTHENTICATED: it cannot tell a real token from garbage.
func TestNoIssuerRefusesPresentTokens(t *testing.T) {
	ti := newTestIssuer(t)
	for name, v := range map[string]auth.TokenVerifier{"nil": nil, "nil *Verifier": (*auth.Verifier)(nil)} {
		t.Run(name, func(t *testing.T) {
			do := serveAuth(t, v)
			if status, _, body := do(""); status != http.StatusOK || body["principal"] != nil {
				t.Fatalf("no credentials: %d %v", status, body)
			}
			for _, a := range []string{"Bearer garbage", "Bearer " + ti.token(ti.claims()), "Basic dXNlcjpwYXNz", "Bearer", "bearer  x y"} {
				status, h, body := do(a)
				if code, _ := refusalCode(t, body); status != http.StatusUnauthorized || code != auth.CodeUnauthenticated || h.Get("WWW-Authenticate") == "" {
					t.Errorf("%.30q: %d %v", a, status, body)
				}
			}
		})
	}
}

// TestTokenEdgeCases: every way a token can be wrong is refused with 401
// UNAUTHENTICATED and never reaches the handler; the valid token does.
func TestTokenEdgeCases(t *testing.T) {
	ti := newTestIssuer(t)
	v, err := auth.NewVerifier(context.Background(), ti.url(), audience)
	if err != nil {
		t.Fatal(err)
	}
	do := serveAuth(t, v)
	good := ti.current()
	with := func(mod func(c map[string]any)) map[string]any {
		c := ti.claims()
		mod(c)
		return c
	}
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&good.key.PublicKey)
	valid := ti.token(ti.claims())
	parts := strings.Split(valid, ".")

	cases := map[string]struct {
		token  string
		reason string
	}{
		"alg none":                  {token: b64(map[string]string{"alg": "none", "typ": "JWT", "kid": good.kid}) + "." + b64(ti.claims()) + "."},
		"alg none with signature":   {token: b64(map[string]string{"alg": "none", "kid": good.kid}) + "." + parts[1] + "." + parts[2]},
		"HS256 with the public key": {token: sign(t, jose.HS256, pubDER, good.kid, ti.claims())},
		"wrong key, same kid":       {token: sign(t, jose.RS256, otherKey, good.kid, ti.claims())},
		"wrong key, no kid":         {token: sign(t, jose.RS256, otherKey, "", ti.claims())},
		"EC key not published":      {token: sign(t, jose.ES256, ecKey, good.kid, ti.claims())},
		"unknown kid":               {token: sign(t, jose.RS256, otherKey, "k-unknown", ti.claims())},
		"wrong issuer":              {token: ti.token(with(func(c map[string]any) { c["iss"] = "https://evil.example" }))},
		"no issuer":                 {token: ti.token(with(func(c map[string]any) { delete(c, "iss") }))},
		"wrong audience":            {token: ti.token(with(func(c map[string]any) { c["aud"] = "another-api" }))},
		"audience list without us":  {token: ti.token(with(func(c map[string]any) { c["aud"] = []string{"a", "b"} }))},
		"expired":                   {token: ti.token(with(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Second).Unix() })), reason: auth.ReasonTokenExpired},
		"no exp":                    {token: ti.token(with(func(c map[string]any) { delete(c, "exp") })), reason: auth.ReasonTokenExpired},
		"nbf in the future":         {token: ti.token(with(func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() }))},
		"iat in the future":         {token: ti.token(with(func(c map[string]any) { c["iat"] = time.Now().Add(time.Hour).Unix() }))},
		"payload tampered":          {token: parts[0] + "." + b64(with(func(c map[string]any) { c["roles"] = []string{"admin"} })) + "." + parts[2]},
		"signature stripped":        {token: parts[0] + "." + parts[1] + "."},
		"two parts":                 {token: parts[0] + "." + parts[1]},
		"four parts":                {token: valid + ".x"},
		"not base64":                {token: "a!b.c.d"},
		"header not JSON":           {token: base64.RawURLEncoding.EncodeToString([]byte("{nope")) + "." + parts[1] + "." + parts[2]},
		"JWE-shaped":                {token: parts[0] + ".." + parts[1] + "." + parts[2] + ".x"},
		"huge token":                {token: valid + strings.Repeat("A", auth.MaxTokenBytes)},
		"huge claims":               {token: ti.token(with(func(c map[string]any) { c["name"] = strings.Repeat("x", auth.MaxTokenBytes) }))},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, _, body := do("Bearer " + c.token)
			code, reason := refusalCode(t, body)
			if status != http.StatusUnauthorized || code != auth.CodeUnauthenticated || reason != c.reason {
				t.Fatalf("%d %s %q, want 401 UNAUTHENTICATED %q", status, code, reason, c.reason)
			}
			if _, err := v.Verify(context.Background(), c.token); err == nil {
				t.Fatal("Verify accepted it")
			}
		})
	}
	status, _, body := do("Bearer " + valid)
	p, _ := body["principal"].(map[string]any)
	if status != http.StatusOK || p == nil || p["FiscalCode"] != "RSSMRA85T10A562S" {
		t.Fatalf("the valid token: %d %v", status, body)
	}
	if exp, _ := time.Parse(time.RFC3339, p["Expiry"].(string)); exp.Before(time.Now().Add(59 * time.Minute)) {
		t.Errorf("principal expiry %v, want the token's exp", p["Expiry"])
	}
}

// TestUnknownKeyIDsRefetchAtMostOncePerInterval: a flood of tokens naming
// unknown keys costs one key-set fetch per interval, not one each; a
// rotated key is picked up by the first token after the interval.
func TestUnknownKeyIDsRefetchAtMostOncePerInterval(t *testing.T) {
	ti := newTestIssuer(t)
	const interval = 1500 * time.Millisecond // room for the flood below on a loaded machine
	v := auth.StartVerifier(context.Background(), ti.url(), audience, auth.VerifierOptions{KeyRefreshInterval: interval})
	if err := v.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := ti.fetches.Load(); n != 1 {
		t.Fatalf("%d key fetches at start, want 1", n)
	}
	do := serveAuth(t, v)
	if status, _, _ := do("Bearer " + ti.token(ti.claims())); status != http.StatusOK {
		t.Fatalf("valid token: %d", status)
	}
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	unknown := sign(t, jose.RS256, stranger, "k-unknown", ti.claims())
	time.Sleep(interval) // the start-up fetch is an interval old
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, _, _ := do("Bearer " + unknown); status != http.StatusUnauthorized {
				t.Errorf("unknown kid: %d", status)
			}
		}()
	}
	wg.Wait()
	if n := ti.fetches.Load(); n != 2 {
		t.Fatalf("%d key fetches after 50 unknown-kid tokens, want 2 (start-up + one refresh)", n)
	}
	// Within the interval a new key is not fetched for...
	k2 := ti.rotate("k2")
	rotated := sign(t, jose.RS256, k2.key, k2.kid, ti.claims())
	if status, _, _ := do("Bearer " + rotated); status != http.StatusUnauthorized || ti.fetches.Load() != 2 {
		t.Fatalf("within the interval: %d, %d fetches", status, ti.fetches.Load())
	}
	// ...after it, the first token that needs it fetches it once.
	time.Sleep(interval)
	for range 5 {
		if status, _, _ := do("Bearer " + rotated); status != http.StatusOK {
			t.Fatalf("rotated key after the interval: %d", status)
		}
	}
	if n := ti.fetches.Load(); n != 3 {
		t.Fatalf("%d key fetches, want 3", n)
	}
	if n := v.KeyFetches(); n != 3 {
		t.Fatalf("KeyFetches %d, want 3", n)
	}
}

// TestIssuerDownAtStartUp: an issuer that is down at start-up is retried
// with backoff; meanwhile the verifier is not ready and requests with
// tokens get 503 UNAVAILABLE (never anonymous service), while requests
// without credentials are served; once the issuer answers, tokens verify.
func TestIssuerDownAtStartUp(t *testing.T) {
	ti := newTestIssuer(t)
	ti.down.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v := auth.StartVerifier(ctx, ti.url(), audience, auth.VerifierOptions{RetryMin: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond})
	do := serveAuth(t, v)
	tok := ti.token(ti.claims())
	if v.Ready() {
		t.Fatal("ready while the issuer is down")
	}
	status, h, body := do("Bearer " + tok)
	if code, _ := refusalCode(t, body); status != http.StatusServiceUnavailable || code != auth.CodeUnavailable || h.Get("Retry-After") == "" {
		t.Fatalf("token while not ready: %d %v %v", status, h, body)
	}
	if status, _, body := do(""); status != http.StatusOK || body["principal"] != nil {
		t.Fatalf("anonymous while not ready: %d %v", status, body)
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, auth.ErrUnavailable) {
		t.Fatalf("Verify while not ready: %v", err)
	}
	ti.down.Store(false)
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := v.WaitReady(wait); err != nil {
		t.Fatal("never became ready")
	}
	if status, _, _ := do("Bearer " + tok); status != http.StatusOK {
		t.Fatalf("token once ready: %d", status)
	}
}

func TestBearerToken(t *testing.T) {
	for h, want := range map[string]error{
		"":                   auth.ErrNoToken,
		"Bearer abc.def.g-_": nil,
		"bearer abc":         nil,
		"BEARER  abc ":       nil,
		"Bearer":             auth.ErrMalformed,
		"Bearer ":            auth.ErrMalformed,
		"Basic abc":          auth.ErrMalformed,
		"Bearer a b":         auth.ErrMalformed,
		"Bearer a\x00b":      auth.ErrMalformed,
		"Bearer a\nb":        auth.ErrMalformed,
		"Bearer é":           auth.ErrMalformed,
		"Bearer " + strings.Repeat("a", auth.MaxTokenBytes+1): auth.ErrTokenTooLarge,
	} {
		if _, err := auth.BearerToken(h); !errors.Is(err, want) {
			t.Errorf("%.40q: %v, want %v", h, err, want)
		}
	}
}
