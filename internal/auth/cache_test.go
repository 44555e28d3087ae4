package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/citizengraph/citizengraph/internal/auth"
)

// TestVerifiedTokenCache: a valid token is kept once verified and answered
// from the cache (a copy each time) until its exp, never after; invalid
// tokens are not kept; a change of the issuer's key set empties it; the
// cache is bounded.
func TestVerifiedTokenCache(t *testing.T) {
	ti := newTestIssuer(t)
	const interval = 300 * time.Millisecond
	v := auth.StartVerifier(context.Background(), ti.url(), audience, auth.VerifierOptions{KeyRefreshInterval: interval, TokenCacheSize: 3})
	ctx := context.Background()
	if err := v.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	tok := ti.token(ti.claims())
	p1, err := v.Verify(ctx, tok)
	if err != nil || v.CachedTokens() != 1 {
		t.Fatalf("first verification: %v, %d cached", err, v.CachedTokens())
	}
	p1.Roles[0] = auth.RoleAdmin // a caller scribbling on its principal
	p1.Roles = append(p1.Roles, auth.RoleOperator)
	p1.Subject = "someone else"
	p2, err := v.Verify(ctx, tok)
	if err != nil || p2.Subject != "citizen-1" || p2 == p1 || len(p2.Roles) != 1 || p2.Roles[0] != auth.RoleCitizen || v.CachedTokens() != 1 {
		t.Fatalf("cached answer: %v %+v, %d cached", err, p2, v.CachedTokens())
	}
	p2.Roles[0] = auth.RoleAdmin
	if p3, _ := v.Verify(ctx, tok); p3.Roles[0] != auth.RoleCitizen {
		t.Fatalf("a cached principal changed through a copy: %+v", p3)
	}

	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, bad := range []string{"garbage", sign(t, jose.RS256, stranger, ti.current().kid, ti.claims())} {
		for range 2 {
			if _, err := v.Verify(ctx, bad); err == nil {
				t.Fatal("an invalid token was accepted")
			}
		}
	}
	if n := v.CachedTokens(); n != 1 {
		t.Fatalf("%d cached after invalid tokens, want 1", n)
	}

	// A token is served from the cache only until its exp.
	c := ti.claims()
	exp := time.Now().Add(2 * time.Second).Truncate(time.Second)
	c["exp"] = exp.Unix()
	short := ti.token(c)
	if _, err := v.Verify(ctx, short); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(exp) + 10*time.Millisecond)
	if _, err := v.Verify(ctx, short); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("a cached token past its exp: %v", err)
	}

	// Bounded: more tokens than room evict the least recently used.
	for i := range 5 {
		c := ti.claims()
		c["sub"] = "citizen-" + string(rune('a'+i))
		if _, err := v.Verify(ctx, ti.token(c)); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.CachedTokens(); n != 3 {
		t.Fatalf("%d cached, want the bound 3", n)
	}

	// The key set changes (a rotation picked up by a new kid): the cache
	// is emptied, and tokens are verified again against the new set.
	time.Sleep(interval)
	k2 := ti.rotate("k2")
	if _, err := v.Verify(ctx, sign(t, jose.RS256, k2.key, k2.kid, ti.claims())); err != nil {
		t.Fatal(err)
	}
	if n := v.CachedTokens(); n != 1 {
		t.Fatalf("%d cached after the key set changed, want only the new token", n)
	}
}

// BenchmarkVerify: the same token verified again and again (the gateway
// and each in-process subgraph hop of serve verify every request's
// token), with the verified-token cache and without it.
func BenchmarkVerify(b *testing.B) {
	ti := newTestIssuer(b)
	tok := ti.token(ti.claims())
	for _, bc := range []struct {
		name string
		size int
	}{{"uncached", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			v := auth.StartVerifier(context.Background(), ti.url(), audience, auth.VerifierOptions{TokenCacheSize: bc.size})
			if err := v.WaitReady(context.Background()); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
