package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
	"github.com/citizengraph/citizengraph/internal/gateway/supergraph"
	"github.com/citizengraph/citizengraph/internal/seedgen"
	"github.com/citizengraph/citizengraph/schema"
)

// TestSubscriptionsEndWithTheToken follows a practice with a token that
// expires in a few seconds, over graphql-transport-ws and SSE, at serve's
// gateway, at the practices subgraph's own endpoint, and through gateways
// that reach the subgraphs over HTTP (forwarding the token unverified;
// upstream over SSE and over WebSockets): the events flow until the
// token's exp, then the WebSocket closes with 4403 and the SSE stream ends
// with an UNAUTHENTICATED/TOKEN_EXPIRED error event — never earlier, and
// never silently.
func TestSubscriptionsEndWithTheToken(t *testing.T) {
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 20, Seed: 7})
	var personID, fiscalCode, serviceID, comune string
	err := pool.QueryRow(ctx, `select p.applicant_id::text, p.applicant_fiscal_code, p.service_id, p.comune
		from practices.practice p order by p.id limit 1`).Scan(&personID, &fiscalCode, &serviceID, &comune)
	if err != nil {
		t.Fatal(err)
	}
	long, err := iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := newSubmittedPractice(t, srv.URL+"/graphql", long, serviceID, comune, personID)

	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for name := range sg.URLs() {
		urls[name] = srv.URL + "/subgraphs/" + name
	}
	httpGateway := func(protos map[string]subscribe.Protocol) string {
		gw, err := gateway.New(sg, gateway.Options{
			Fetcher:    execute.NewHTTPFetcher(urls, execute.HTTPOptions{}),
			Subscriber: subscribe.NewHTTP(urls, subscribe.HTTPOptions{Protocols: protos}),
			// Like `gateway --authorization=subgraphs`: no token verification here.
			TrustSubgraphs: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		s := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
		t.Cleanup(s.Close)
		return s.URL
	}
	wsProtos, _ := subscriptionProtocols(subgraphFlags{"*": "ws"}, urls)
	endpoints := map[string]string{
		"serve gateway":         srv.URL + "/graphql",
		"practices subgraph":    srv.URL + "/subgraphs/practices",
		"gateway, upstream SSE": httpGateway(nil),
		"gateway, upstream WS":  httpGateway(wsProtos),
	}
	const q = `subscription($id: ID!) { practiceStatusChanged(id: $id) { cursor status } }`
	vars := map[string]any{"id": id}
	const ttl = 5 * time.Second
	for name, url := range endpoints {
		t.Run(name+", WebSocket", func(t *testing.T) {
			t.Parallel()
			tok, exp := shortToken(t, iss, fiscalCode, ttl)
			c := dialWS(t, url, "Bearer "+tok)
			c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": q, "variables": vars}})
			events := 0
			for {
				_, b, err := c.conn.Read(c.ctx)
				if err != nil {
					if code := websocket.CloseStatus(err); code != 4403 {
						t.Fatalf("closed with %v, want 4403", err)
					}
					break
				}
				var m wsMessage
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				if m.Type == "next" && !bytes.Contains(m.Payload, []byte(`"errors"`)) {
					events++
				}
				if m.Type == "complete" {
					t.Fatalf("completed instead of closing with 4403 (after %s)", m.Payload)
				}
			}
			if time.Now().Before(exp) {
				t.Fatalf("closed %s before the token's exp", time.Until(exp))
			}
			if events == 0 {
				t.Fatal("no event before the expiry")
			}
		})
		t.Run(name+", SSE", func(t *testing.T) {
			t.Parallel()
			tok, exp := shortToken(t, iss, fiscalCode, ttl)
			datas, complete := sseAll(t, url, "Bearer "+tok, q, vars)
			if time.Now().Before(exp) {
				t.Fatalf("ended %s before the token's exp", time.Until(exp))
			}
			if len(datas) < 2 || !complete {
				t.Fatalf("%d events, complete %v: %q", len(datas), complete, datas)
			}
			var last eventPayload
			if err := json.Unmarshal([]byte(datas[len(datas)-1]), &last); err != nil || len(last.Errors) == 0 {
				t.Fatalf("last event %s: want an error", datas[len(datas)-1])
			}
			if e := last.Errors[0].Extensions; e["code"] != auth.CodeUnauthenticated || e["reason"] != auth.ReasonTokenExpired {
				t.Fatalf("last event %s: want UNAUTHENTICATED/TOKEN_EXPIRED", datas[len(datas)-1])
			}
		})
	}
}

// shortToken signs a citizen's token expiring in about ttl (exp has whole
// seconds) and returns it with its exp.
func shortToken(t *testing.T, iss interface {
	Token(auth.Claims, time.Duration) (string, error)
}, fiscalCode string, ttl time.Duration) (string, time.Time) {
	t.Helper()
	tok, err := iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, ttl)
	if err != nil {
		t.Fatal(err)
	}
	exp, ok := auth.UnverifiedExpiry("Bearer " + tok)
	if !ok {
		t.Fatal("no exp")
	}
	return tok, exp
}

// sseAll follows a subscription over SSE to its end and returns every
// event's data, and whether the stream ended with "complete".
func sseAll(t *testing.T, url, authorization, query string, vars map[string]any) ([]string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []string
	complete := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
		if sc.Text() == "event: complete" {
			complete = true
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the stream did not end")
	}
	return out, complete
}
