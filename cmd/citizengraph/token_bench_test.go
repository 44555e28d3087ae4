package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"syscall"
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
// territory) — with the token verified at the gateway and at every hop
// (verify-each-hop: no verified-token cache; cached-each-hop: each hop
// answered from the cache) and with the principal verified at the gateway
// carried to the hops (carried, as serve runs), over one seeded database.
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
		name  string
		size  int
		carry bool
	}{{"verify-each-hop", -1, false}, {"cached-each-hop", 0, false}, {"carried", 0, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var v auth.TokenVerifier = auth.NewStaticVerifierWith(iss.URL(), iss.Audience(), auth.VerifierOptions{TokenCacheSize: bc.size}, iss.PublicKey())
			if !bc.carry {
				// Only an *auth.Verifier's principals are carried to hops.
				v = eachHop{v}
			}
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
			cpu := processCPU()
			for b.Loop() {
				post(b, srv.URL+"/graphql", token, q)
			}
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// eachHop is a verifier whose principals are not carried to in-process
// hops: every hop verifies the token.
type eachHop struct{ auth.TokenVerifier }

// processCPU is the CPU time (user and system) the process has used: per
// operation, a figure less at the mercy of other load on the machine than
// the elapsed time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
