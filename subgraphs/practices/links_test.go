package practices_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// withDocument is alice's draft with a stored 3 KB PDF, and the service's
// links to it for alice, for bob (her delegate) and for an operator.
func withDocument(t testing.TB) (e *env, doc *practices.Document, links map[string]string) {
	t.Helper()
	e = newEnv(t)
	p := e.create(t, freeService, milan)
	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 3000)...)
	d, err := e.svc.UploadDocument(as(alice()), p.ID, practices.Upload{Filename: "a.pdf", ContentType: "application/pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)})
	if err != nil {
		t.Fatal(err)
	}
	e.reg.set(bobFC, identity.Mandate{DelegationID: "d1", PersonID: aliceID, PersonFiscalCode: aliceFC})
	links = map[string]string{}
	for name, who := range map[string]*auth.Principal{"alice": alice(), "bob": bob(), "operator": operatorOf(milan)} {
		u := e.svc.DownloadURL(as(who), *d)
		if u == nil {
			t.Fatalf("no link for %s", name)
		}
		links[name] = strings.TrimPrefix(*u, practices.DocumentsPath)
	}
	return e, d, links
}

// TestDownloadAsksAgain: at the service, a link opens for its subject while
// they may see the practice and is Permission once they may not (the
// delegation gone), whoever else still may; a link carries its subject
// sealed (no fiscal code in it) and never outlives the sign-in.
func TestDownloadAsksAgain(t *testing.T) {
	e, d, links := withDocument(t)
	open := func(name string) error {
		t.Helper()
		_, r, err := e.svc.Download(context.Background(), links[name])
		if err == nil {
			r.Close()
		}
		return err
	}
	for name := range links {
		if err := open(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if strings.Contains(links[name], aliceFC) || strings.Contains(links[name], bobFC) {
			t.Errorf("%s's link shows a fiscal code", name)
		}
	}
	e.reg.set(bobFC) // the delegation is revoked
	if err := open("bob"); !apperr.Is(apperr.Permission, err) {
		t.Errorf("bob after the revocation: %v, want Permission", err)
	}
	for _, name := range []string{"alice", "operator"} {
		if err := open(name); err != nil {
			t.Errorf("%s after bob's revocation: %v", name, err)
		}
	}
	// A sign-in ending before the TTL ends the link with it.
	short := alice()
	short.Expiry = e.clock.now().Add(10 * time.Second)
	links["short"] = strings.TrimPrefix(*e.svc.DownloadURL(as(short), *d), practices.DocumentsPath)
	if err := open("short"); err != nil {
		t.Fatalf("before the sign-in ends: %v", err)
	}
	e.clock.advance(11 * time.Second)
	if err := open("short"); !apperr.Is(apperr.Permission, err) {
		t.Errorf("after the sign-in ended: %v, want Permission", err)
	}
	if err := open("alice"); err != nil {
		t.Errorf("alice's link within its TTL: %v", err)
	}
	// Another key opens nothing.
	l, err := practices.NewLinks(nil, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Verify(links["alice"], e.clock.now()); !errors.Is(err, practices.ErrLinkInvalid) {
		t.Errorf("another key opened the link: %v", err)
	}
}

// TestLinksRoundTrip: what is sealed opens the same, for subjects of every
// shape; a changed byte anywhere does not open.
func TestLinksRoundTrip(t *testing.T) {
	l, err := practices.NewLinks([]byte(strings.Repeat("k", 32)), time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	id := "0b5c4a0e-8f0e-4d6b-9a3c-2f1e0d9c8b7a"
	comuni := make([]string, practices.MaxLinkComuni)
	for i := range comuni {
		comuni[i] = "015" + strings.Repeat("1", 3)
	}
	exp := time.Now().Add(time.Minute).Truncate(time.Second)
	for _, sub := range []practices.Subject{{}, {FiscalCode: aliceFC}, {Admin: true}, {Comuni: []string{milan, rho}}, {FiscalCode: bobFC, Admin: true, Comuni: comuni}} {
		tok := l.Token(id, sub, exp)
		gotID, got, err := l.Verify(tok, time.Now())
		if err != nil || gotID != id || got.FiscalCode != sub.FiscalCode || got.Admin != sub.Admin || strings.Join(got.Comuni, ",") != strings.Join(sub.Comuni, ",") {
			t.Errorf("%+v: got %s %+v %v", sub, gotID, got, err)
		}
		if _, _, err := l.Verify(tok, exp); !errors.Is(err, practices.ErrLinkExpired) {
			t.Errorf("at its expiry: %v", err)
		}
		raw := []byte(tok)
		for i := 0; i < len(raw); i += 7 {
			c := raw[i]
			raw[i] = 'A' + (c-'A'+1)%26
			if c < 'A' || c > 'Z' {
				raw[i] = 'A'
			}
			if string(raw) != tok {
				if _, _, err := l.Verify(string(raw), time.Now()); !errors.Is(err, practices.ErrLinkInvalid) {
					t.Fatalf("byte %d changed: %v", i, err)
				}
			}
			raw[i] = c
		}
	}
}

// BenchmarkDocumentDownload: what asking again at download time costs —
// the service's Download of a 3 KB document through the applicant's link
// (the practice read), a delegate's (and the registry asked: in memory
// here), an operator's — against the reference of reading the same
// document row and content without any check (what a download did
// before).
func BenchmarkDocumentDownload(b *testing.B) {
	e, d, links := withDocument(b)
	store, content := practices.NewStore(e.pool), practices.NewPGContent(e.pool)
	ctx := context.Background()
	read := func(b *testing.B, r io.ReadCloser) {
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc, err := store.DocumentByID(ctx, d.ID)
			if err != nil || doc == nil {
				b.Fatal(err)
			}
			r, err := content.Open(ctx, doc.ID, doc.Size)
			if err != nil {
				b.Fatal(err)
			}
			read(b, r)
		}
	})
	for _, name := range []string{"alice", "bob", "operator"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, r, err := e.svc.Download(ctx, links[name])
				if err != nil {
					b.Fatal(err)
				}
				read(b, r)
			}
		})
	}
}
