package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
)

// hopResult is what a hop's handler saw, or its refusal.
type hopResult struct {
	status    int
	principal *auth.Principal
	code      string
	reason    string
}

// hopBed is an edge handler (Middleware with edge) that, for each request,
// serves one in-process hop to a subgraph-like handler (Middleware with
// hop) the way the in-process fetcher does: a new request on the edge's
// context, prepared by prepare, carrying the Authorization value hopAuth.
type hopBed struct {
	t          *testing.T
	edge, hop  auth.TokenVerifier
	edgeSeen   *auth.Principal
	result     hopResult
	scribble   bool // the hop's handler changes its principal
	hopHandler http.Handler
}

func newHopBed(t *testing.T, edge, hop auth.TokenVerifier) *hopBed {
	b := &hopBed{t: t, edge: edge, hop: hop}
	b.hopHandler = auth.Middleware(hop, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.FromContext(r.Context())
		b.result = hopResult{status: http.StatusOK, principal: p}
		if p != nil && b.scribble {
			p.Roles = append(p.Roles[:0], auth.RoleAdmin)
			p.Subject = "someone else"
		}
	}))
	return b
}

// run serves a request with edgeAuth at the edge, whose hop carries
// hopAuth on the context prepare derives from the edge's.
func (b *hopBed) run(edgeAuth, hopAuth string, prepare func(ctx context.Context, hopAuth string) context.Context) hopResult {
	b.t.Helper()
	b.result, b.edgeSeen = hopResult{}, nil
	edge := auth.Middleware(b.edge, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.edgeSeen = auth.FromContext(r.Context())
		hr := httptest.NewRequestWithContext(prepare(r.Context(), hopAuth), http.MethodPost, "/graphql", nil)
		if hopAuth != "" {
			hr.Header.Set("Authorization", hopAuth)
		}
		rec := httptest.NewRecorder()
		b.hopHandler.ServeHTTP(rec, hr)
		if rec.Code != http.StatusOK {
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				b.t.Fatalf("hop refusal is not JSON: %s", rec.Body)
			}
			b.result.status = rec.Code
			b.result.code, b.result.reason = refusalCode(b.t, body)
		}
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	if edgeAuth != "" {
		req.Header.Set("Authorization", edgeAuth)
	}
	rec := httptest.NewRecorder()
	edge.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.t.Fatalf("the edge refused %q: %d %s", edgeAuth, rec.Code, rec.Body)
	}
	return b.result
}

func devToken(t *testing.T, iss *devissuer.Issuer, c auth.Claims, ttl time.Duration) string {
	t.Helper()
	tok, err := iss.Token(c, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// TestHopCarriesTheVerifiedPrincipal: an in-process hop prepared with
// ForHop takes the principal the edge's Middleware verified for exactly
// the same Authorization value with the same verifier, without verifying
// the token again, as a copy; every other hop verifies its own token and
// gets only what that token says.
func TestHopCarriesTheVerifiedPrincipal(t *testing.T) {
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	// No token cache: every verification is a full one, and counted.
	v := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: -1}, iss.PublicKey())
	citizen := devToken(t, iss, auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen}}, time.Hour)
	operator := devToken(t, iss, auth.Claims{FiscalCode: "VRDLGU70A01F205X", Roles: []string{auth.RoleOperator}, Comuni: []string{"015146"}}, time.Hour)
	other, _ := devissuer.New("https://issuer.citizengraph.test", "citizengraph") // another key, same issuer name
	forged := devToken(t, other, auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen, auth.RoleAdmin}}, time.Hour)
	want := func(authorization string) *auth.Principal {
		t.Helper()
		p, err := auth.VerifyAuthorization(context.Background(), auth.NewStaticVerifier(iss.URL(), iss.Audience(), iss.PublicKey()), authorization)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	b := newHopBed(t, v, v)
	count := func(f func()) int64 {
		before := v.Verifications()
		f()
		return v.Verifications() - before
	}

	// The same token: carried, verified once (at the edge).
	var r hopResult
	if n := count(func() { r = b.run(citizen, citizen, auth.ForHop) }); n != 1 {
		t.Fatalf("same token: %d verifications, want 1 (the edge's)", n)
	}
	if r.status != http.StatusOK || !reflect.DeepEqual(r.principal, want(citizen)) || r.principal == b.edgeSeen {
		t.Fatalf("same token: hop saw %+v (edge %p, hop %p), want a copy of %+v", r, b.edgeSeen, r.principal, want(citizen))
	}
	// The hop's copy is its own: changing it changes nothing at the edge.
	b.scribble = true
	b.run(citizen, citizen, auth.ForHop)
	b.scribble = false
	if !reflect.DeepEqual(b.edgeSeen, want(citizen)) {
		t.Fatalf("the hop's change reached the edge's principal: %+v", b.edgeSeen)
	}

	cases := []struct {
		name              string
		edgeAuth, hopAuth string
		prepare           func(context.Context, string) context.Context
		verifications     int64
		status            int
		principal         *auth.Principal
		reason            string
	}{
		{"another valid token at the hop", citizen, operator, auth.ForHop, 2, http.StatusOK, want(operator), ""},
		{"a forged token at the hop (other key)", citizen, forged, auth.ForHop, 2, http.StatusUnauthorized, nil, ""},
		{"garbage at the hop", citizen, "Bearer garbage.garbage.garbage", auth.ForHop, 2, http.StatusUnauthorized, nil, ""},
		{"the same token, other scheme spelling", citizen, "bearer" + citizen[len("Bearer"):], auth.ForHop, 2, http.StatusOK, want(citizen), ""},
		{"no token at the hop", citizen, "", auth.ForHop, 1, http.StatusOK, nil, ""},
		{"a token at the hop, none at the edge", "", citizen, auth.ForHop, 1, http.StatusOK, want(citizen), ""},
		{"the same token without ForHop", citizen, citizen, func(ctx context.Context, _ string) context.Context { return ctx }, 2, http.StatusOK, want(citizen), ""},
		{"a principal put on the context by other means", "", citizen, func(ctx context.Context, a string) context.Context {
			admin := &auth.Principal{Subject: "admin", Roles: []string{auth.RoleAdmin}, FirstParty: true, Expiry: time.Now().Add(time.Hour)}
			return auth.ForHop(auth.WithPrincipal(ctx, admin), a)
		}, 1, http.StatusOK, want(citizen), ""},
		{"a later hop with another token", citizen, operator, func(ctx context.Context, a string) context.Context {
			return auth.ForHop(auth.ForHop(ctx, citizen), a)
		}, 2, http.StatusOK, want(operator), ""},
		{"a hop prepared for the edge's token carrying another", citizen, operator, func(ctx context.Context, _ string) context.Context {
			return auth.ForHop(ctx, citizen)
		}, 2, http.StatusOK, want(operator), ""},
		{"a hop prepared for the edge's token carrying a forged one", citizen, forged, func(ctx context.Context, _ string) context.Context {
			return auth.ForHop(ctx, citizen)
		}, 2, http.StatusUnauthorized, nil, ""},
		{"a hop prepared for the edge's token carrying none", citizen, "", func(ctx context.Context, _ string) context.Context {
			return auth.ForHop(ctx, citizen)
		}, 1, http.StatusOK, nil, ""},
		{"a record for the token, then a hop prepared for another", citizen, citizen, func(ctx context.Context, a string) context.Context {
			return auth.ForHop(auth.ForHop(ctx, a), operator)
		}, 2, http.StatusOK, want(citizen), ""},
	}
	for _, c := range cases {
		var r hopResult
		n := count(func() { r = b.run(c.edgeAuth, c.hopAuth, c.prepare) })
		if n != c.verifications || r.status != c.status || !reflect.DeepEqual(r.principal, c.principal) {
			t.Errorf("%s: %d verifications, status %d, principal %+v; want %d, %d, %+v", c.name, n, r.status, r.principal, c.verifications, c.status, c.principal)
		}
		if c.status == http.StatusUnauthorized && r.code != auth.CodeUnauthenticated {
			t.Errorf("%s: refused with %q", c.name, r.code)
		}
	}
	// An anonymous hop inside an authenticated request is anonymous.
	if r := b.run(operator, "", auth.ForHop); r.principal != nil {
		t.Fatalf("anonymous hop saw %+v", r.principal)
	}

	// Another verifier at the hop (even of the same issuer and key)
	// verifies on its own.
	v2 := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: -1}, iss.PublicKey())
	b2 := newHopBed(t, v, v2)
	r = b2.run(citizen, citizen, auth.ForHop)
	if v2.Verifications() != 1 || !reflect.DeepEqual(r.principal, want(citizen)) {
		t.Fatalf("another verifier at the hop: %d verifications, %+v", v2.Verifications(), r.principal)
	}
	// A verifier that is not a *auth.Verifier never carries.
	counting := &countingVerifier{v: v}
	b3 := newHopBed(t, counting, counting)
	r = b3.run(citizen, citizen, auth.ForHop)
	if counting.n != 2 || !reflect.DeepEqual(r.principal, want(citizen)) {
		t.Fatalf("a wrapped verifier: %d verifications, %+v", counting.n, r.principal)
	}
}

type countingVerifier struct {
	v auth.TokenVerifier
	n int
}

func (c *countingVerifier) Verify(ctx context.Context, raw string) (*auth.Principal, error) {
	c.n++
	return c.v.Verify(ctx, raw)
}

// TestHopAfterExpiryVerifies: a hop served after the token's exp is
// verified, and refused as expired, even though the edge verified it.
func TestHopAfterExpiryVerifies(t *testing.T) {
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	v := iss.Verifier()
	tok := devToken(t, iss, auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen}}, 2*time.Second)
	p, err := auth.VerifyAuthorization(context.Background(), v, tok)
	if err != nil {
		t.Fatal(err)
	}
	b := newHopBed(t, v, v)
	r := b.run(tok, tok, func(ctx context.Context, a string) context.Context {
		time.Sleep(time.Until(p.Expiry) + 50*time.Millisecond)
		return auth.ForHop(ctx, a)
	})
	if r.status != http.StatusUnauthorized || r.code != auth.CodeUnauthenticated || r.reason != auth.ReasonTokenExpired {
		t.Fatalf("a hop after exp: %+v", r)
	}
}

// TestClientHeadersNeverCarryAPrincipal: over HTTP every request with a
// token is verified, whatever else it sends; nothing a client can send
// makes Middleware take a principal it did not verify.
func TestClientHeadersNeverCarryAPrincipal(t *testing.T) {
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: -1}, iss.PublicKey())
	citizen := devToken(t, iss, auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleCitizen}}, time.Hour)
	other, _ := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	forged := devToken(t, other, auth.Claims{FiscalCode: "RSSMRA85T10A562S", Roles: []string{auth.RoleAdmin}}, time.Hour)
	do := serveAuth(t, v)
	for i, a := range []string{citizen, citizen, forged, citizen + " ", forged} {
		before := v.Verifications()
		status, _, _ := do(a)
		if v.Verifications()-before != 1 {
			t.Fatalf("request %d over HTTP: %d verifications, want 1", i, v.Verifications()-before)
		}
		if (a == forged) != (status == http.StatusUnauthorized) {
			t.Fatalf("request %d: status %d", i, status)
		}
	}
}
