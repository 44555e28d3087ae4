package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// FuzzBearerToken: parsing an Authorization value never panics, and what
// it accepts is one bounded token of token characters.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"", "Bearer abc", "bearer a.b.c", "Basic x", "Bearer ", "Bearer  a ", "Bearer a b", "Bearer \x00", "Bearer é", "Bearer " + strings.Repeat("a", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok, err := auth.BearerToken(h)
		if err != nil {
			if tok != "" {
				t.Fatalf("error %v with token %q", err, tok)
			}
			return
		}
		if tok == "" || len(tok) > auth.MaxTokenBytes || strings.ContainsAny(tok, " \t\r\n\x00,;\"") {
			t.Fatalf("accepted %q from %q", tok, h)
		}
		if !strings.EqualFold(h[:7], "bearer ") || !strings.Contains(h, tok) {
			t.Fatalf("accepted %q from %q", tok, h)
		}
		if _, ok := auth.UnverifiedExpiry(h); ok && strings.Count(tok, ".") != 2 {
			t.Fatalf("an expiry from %q", tok)
		}
	})
}

// FuzzVerify: verifying arbitrary bytes — and mutations of a valid token —
// never panics, and nothing but the one valid token is ever accepted.
func FuzzVerify(f *testing.F) {
	ti := newTestIssuer(f)
	v := auth.StartVerifier(context.Background(), ti.url(), audience, auth.VerifierOptions{KeyRefreshInterval: time.Hour})
	if err := v.WaitReady(context.Background()); err != nil {
		f.Fatal(err)
	}
	valid := ti.token(ti.claims())
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(b64(map[string]string{"alg": "none"}) + "." + parts[1] + ".")
	f.Add(parts[0] + "." + b64(map[string]any{"iss": ti.url(), "aud": audience, "exp": 1 << 40}) + "." + parts[2])
	f.Add("e30.e30.e30")
	f.Add("..")
	f.Add(strings.Repeat(".", 100))
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := v.Verify(context.Background(), raw)
		if err == nil && raw != valid {
			t.Fatalf("accepted %q as %+v", raw, p)
		}
		if err != nil && p != nil {
			t.Fatalf("a principal with error %v", err)
		}
		_, _ = auth.VerifyAuthorization(context.Background(), v, "Bearer "+raw)
		_, _ = auth.UnverifiedExpiry("Bearer " + raw)
	})
}
