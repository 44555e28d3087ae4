package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
	"github.com/citizengraph/citizengraph/subgraphs/identity"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// BenchmarkDocumentUpload uploads a PDF through serve's graph over
// loopback HTTP (the client's multipart request to the gateway, the
// gateway's to the practices subgraph in process, the content copied into
// Postgres) against the reference of the domain call alone
// (practices.Service.UploadDocument: sniffing, hashing and the same
// transaction). The ratio is the cost of the GraphQL path; B/op over the
// file size shows what is held in memory per byte sent.
func BenchmarkDocumentUpload(b *testing.B) {
	sgs := registry()
	pool := devdb.NewTestDB(b, migrations(sgs)...)
	ctx := context.Background()
	for _, s := range sgs {
		if err := s.seed(ctx, pool, seedgen.Params{People: 20, Seed: 7}); err != nil {
			b.Fatal(err)
		}
	}
	iss, err := devissuer.New("https://issuer.citizengraph.test", "citizengraph")
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := mountGraph(mux, pool, gqlserver.Options{Verifier: iss.Verifier()}, sgs, gateway.Options{}, gateway.HandlerOptions{}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var fc string
	if err := pool.QueryRow(ctx, `select fiscal_code from identity.person order by fiscal_code limit 1`).Scan(&fc); err != nil {
		b.Fatal(err)
	}
	token, err := iss.Token(auth.Claims{Subject: fc, FiscalCode: fc, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"query": `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id } }`,
		"variables": map[string]any{"in": map[string]any{"serviceId": practices.ServiceIDFor("cambio-residenza"), "comune": "015146"}}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var created struct {
		Data struct{ CreatePractice struct{ ID string } }
	}
	json.NewDecoder(resp.Body).Decode(&created) //nolint:errcheck
	resp.Body.Close()
	practice := created.Data.CreatePractice.ID
	if practice == "" {
		b.Fatal("no practice")
	}
	svc, err := practices.NewService(practices.NewStore(pool), practices.WithRegistry(identity.NewMandates(pool)))
	if err != nil {
		b.Fatal(err)
	}
	as := auth.WithPrincipal(ctx, &auth.Principal{Subject: fc, FiscalCode: fc, Roles: []string{auth.RoleCitizen}, FirstParty: true})
	r := rand.New(rand.NewPCG(1, 1))
	for _, size := range []int{64 << 10, 4 << 20} {
		content := pdfOf(r, size)
		b.Run(fmt.Sprintf("graph/%dKiB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, res := callUpload(b, srv.URL+"/graphql", token, practice, "a.pdf", "application/pdf", content); len(res.Errors) > 0 {
					b.Fatal(res.Errors)
				}
			}
		})
		b.Run(fmt.Sprintf("domain/%dKiB", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := svc.UploadDocument(as, practice, practices.Upload{Filename: "a.pdf", ContentType: "application/pdf", Size: int64(size), Content: bytes.NewReader(content)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
