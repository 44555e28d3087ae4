package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/auth/devissuer"
	"github.com/citizengraph/citizengraph/internal/devdb"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/internal/seedgen"
)

// BenchmarkServeSignedIn runs a citizen's query through serve — the
// gateway and the in-process subgraphs it reaches (identity, practices,
// territory), each of which checks the forwarded token — with the
// verified-token cache (a token verified once) and without it (verified
// at every hop), over one seeded database.
func BenchmarkServeSignedIn(b *testing.B) {
	ctx := context.Background()
	sgs := registry()
	pool := devdb.NewTestDB(b, migrations(sgs)...)
	for _, s := range sgs {
		if err := s.seed(ctx, pool, seedgen.Params{People: 40, Seed: 11}); err != nil {
			b.Fatal(err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		b.Fatal(err)
	}
	var fiscalCode string
	if err := pool.QueryRow(ctx, `select applicant_fiscal_code from practices.practice order by id limit 1`).Scan(&fiscalCode); err != nil {
		b.Fatal(err)
	}
	token, err := iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	const q = `{ me { displayName practices(first: 3) { nodes { status comune { name } } } } }`
	for _, bc := range []struct {
		name string
		size int
	}{{"verify-each-hop", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			v := auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: bc.size}, iss.PublicKey())
			mux := http.NewServeMux()
			if err := mountGraph(mux, pool, gqlserver.Options{Verifier: v}, sgs, gateway.Options{}, gateway.HandlerOptions{}); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()
			if res := post(b, srv.URL+"/graphql", token, q); len(res.Errors) > 0 || len(res.Data) < 30 {
				b.Fatalf("%s %+v", res.Data, res.Errors)
			}
			b.ReportAllocs()
			for b.Loop() {
				post(b, srv.URL+"/graphql", token, q)
			}
		})
	}
}
