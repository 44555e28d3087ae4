package main

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/schema"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// accessRow is a row of identity.access_log as stored.
type accessRow struct {
	request, actorID, issuer, subject, via string
	data                                   []string
}

// accessRows returns the access-log rows of person written after since,
// oldest first.
func accessRows(t *testing.T, f *fixture, person string, since time.Time) []accessRow {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `select request_id::text, actor_id, actor_issuer, actor_subject, via, data
		from identity.access_log where person_id = $1 and at >= $2 order by at, id`, person, since)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []accessRow
	for rows.Next() {
		var r accessRow
		if err := rows.Scan(&r.request, &r.actorID, &r.issuer, &r.subject, &r.via, &r.data); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// requestIDAt is a UUIDv7 of instant at.
func requestIDAt(at time.Time) string {
	u := uuid.Must(uuid.NewV7())
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(u[:6], ms[2:])
	return u.String()
}

// TestAccessLogOnePerClientRequest: a client request that reads a person
// through two fetches to the identity subgraph (a lookup, and a practice's
// applicant) is one row of the person's access log — in serve, and over
// HTTP with the gateway command — naming the operator by issuer and
// subject even without a fiscal code; a second request is a second row.
// Straight at the subgraph, a request id is taken only when it is a fresh
// UUIDv7, and one reader's id never merges into another reader's row.
func TestAccessLogOnePerClientRequest(t *testing.T) {
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 80, Seed: 37})
	f := newFixture(t, pool, iss, srv.URL)
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for name := range sg.URLs() {
		urls[name] = srv.URL + "/subgraphs/" + name
	}
	gw, err := gateway.New(sg, gateway.Options{Fetcher: execute.NewHTTPFetcher(urls, execute.HTTPOptions{DedupInflight: true}), TrustSubgraphs: true})
	if err != nil {
		t.Fatal(err)
	}
	gwSrv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
	t.Cleanup(gwSrv.Close)

	noFC := f.mint(t, auth.Claims{Subject: "op-senza-cf", Name: "Sportello 3", Roles: []string{auth.RoleOperator}, Comuni: []string{f.comune}})
	withFC := f.mint(t, auth.Claims{Subject: "op-bianchi", FiscalCode: "BNCLRA80A41F205X", Name: "Laura Bianchi", Roles: []string{auth.RoleOperator}, Comuni: []string{f.comune}})
	const twice = `query($fc: String!, $id: ID!) {
		personByFiscalCode(fiscalCode: $fc, reason: "verifica residenza") { birthDate }
		practice(id: $id) { applicant { email } } }`
	vars := map[string]any{"fc": f.aFC, "id": f.practice}
	for _, via := range []struct{ name, url string }{{"serve", srv.URL + "/graphql"}, {"gateway command", gwSrv.URL + "/graphql"}} {
		t.Run(via.name, func(t *testing.T) {
			since := time.Now()
			for i := 1; i <= 2; i++ {
				r := call(t, via.url, noFC, twice, vars)
				if len(r.Errors) > 0 {
					t.Fatalf("%+v", r.Errors)
				}
				rows := accessRows(t, f, f.aID, since)
				if len(rows) != i {
					t.Fatalf("after %d requests: %d rows, want %d: %+v", i, len(rows), i, rows)
				}
				last := rows[i-1]
				if last.issuer != iss.URL() || last.subject != "op-senza-cf" || last.actorID != "sub:op-senza-cf" {
					t.Errorf("the reader is %q %q %q, want the issuer and subject", last.issuer, last.subject, last.actorID)
				}
				if !slices.Equal(last.data, []string{identity.AccessLookup, identity.AccessProfile}) {
					t.Errorf("data %v, want both fetches' reads in the one row", last.data)
				}
			}
			since = time.Now()
			// The operator with a fiscal code is named by it too.
			if r := call(t, via.url, withFC, `query($id: ID!) { practice(id: $id) { applicant { email } } }`, map[string]any{"id": f.practice}); len(r.Errors) > 0 {
				t.Fatalf("%+v", r.Errors)
			}
			rows := accessRows(t, f, f.aID, since)
			if len(rows) != 1 || rows[0].issuer != iss.URL() || rows[0].subject != "op-bianchi" || rows[0].actorID != "BNCLRA80A41F205X" {
				t.Errorf("operator with a fiscal code: %+v", rows)
			}
		})
	}

	t.Run("straight at the subgraph", func(t *testing.T) {
		direct := func(token, id string) {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/subgraphs/identity",
				strings.NewReader(`{"query":"query($fc: String!) { personByFiscalCode(fiscalCode: $fc) { birthDate } }","variables":{"fc":"`+f.aFC+`"}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			if id != "" {
				req.Header.Set(identity.RequestHeader, id)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
		}
		cases := []struct {
			name string
			ids  []string
			rows int
		}{
			{"no id: one row per request", []string{"", ""}, 2},
			{"a stale id is not taken", []string{requestIDAt(time.Now().Add(-10 * time.Minute)), ""}, 2},
			{"an id from the future is not taken", []string{requestIDAt(time.Now().Add(time.Hour)), ""}, 2},
			{"a random (v4) id is not taken", []string{uuid.NewString(), ""}, 2},
			{"garbage is not taken", []string{"'; drop table identity.access_log; --", ""}, 2},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				since := time.Now()
				id := c.ids[0]
				direct(noFC, id)
				direct(noFC, id)
				rows := accessRows(t, f, f.aID, since)
				if len(rows) != c.rows {
					t.Fatalf("%d rows, want %d", len(rows), c.rows)
				}
				for _, r := range rows {
					if r.request == strings.ToLower(id) {
						t.Errorf("the id %q was taken", id)
					}
				}
			})
		}
		t.Run("a fresh id names one reader's request only", func(t *testing.T) {
			since := time.Now()
			id := execute.NewRequestID()
			direct(noFC, id)
			direct(noFC, id)
			direct(withFC, id)
			rows := accessRows(t, f, f.aID, since)
			if len(rows) != 2 || rows[0].request != id || rows[1].request != id || rows[0].subject == rows[1].subject {
				t.Fatalf("rows %+v, want one per reader under the id", rows)
			}
		})
	})
}
