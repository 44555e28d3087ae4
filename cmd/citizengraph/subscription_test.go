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

// statusSubscription follows a practice through the gateway; each event
// needs three more subgraphs: territory (comune), identity (applicant) and
// payments.
const statusSubscription = `subscription($id: ID!, $after: String) { practiceStatusChanged(id: $id, after: $after) {
	cursor status previousStatus
	practice { id status comune { istatCode name } applicant { id fiscalCode } payments { iupd } } } }`

type statusEvent struct {
	Cursor, Status string
	PreviousStatus *string
	Practice       struct {
		ID, Status string
		Comune     struct{ IstatCode, Name string }
		Applicant  struct{ ID, FiscalCode string }
		Payments   []struct{ Iupd string }
	}
}

type eventPayload struct {
	Data *struct {
		PracticeStatusChanged statusEvent `json:"practiceStatusChanged"`
	} `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// TestServeSubscriptionsThroughGateway follows a practice's status over
// the gateway — graphql-transport-ws and SSE, with the subgraphs reached in
// process (serve) and over HTTP (the gateway command), upstream over SSE
// and over graphql-transport-ws — and checks that
// every event carries the fields of the other subgraphs, that a live change
// arrives, and that resuming from a cursor loses nothing.
func TestServeSubscriptionsThroughGateway(t *testing.T) {
	ctx := context.Background()
	_, pool, iss, srv := serveGraph(t, seedgen.Params{People: 60, Seed: 5})

	// The same graph through a gateway that reaches the subgraphs over HTTP.
	sg, err := supergraph.Parse(schema.Supergraph())
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{}
	for name := range sg.URLs() {
		urls[name] = srv.URL + "/subgraphs/" + name
	}
	gw, err := gateway.New(sg, gateway.Options{
		Fetcher:    execute.NewHTTPFetcher(urls, execute.HTTPOptions{}),
		Subscriber: subscribe.NewHTTP(urls, subscribe.HTTPOptions{}),
		// Like `gateway --authorization=subgraphs`: no token verification here.
		TrustSubgraphs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	httpGW := httptest.NewServer(gw.Handler(gateway.HandlerOptions{}))
	defer httpGW.Close()
	// And one that subscribes upstream over graphql-transport-ws.
	protos, err := subscriptionProtocols(subgraphFlags{"*": "ws"}, urls)
	if err != nil {
		t.Fatal(err)
	}
	wsGW, err := gateway.New(sg, gateway.Options{
		Fetcher:        execute.NewHTTPFetcher(urls, execute.HTTPOptions{}),
		Subscriber:     subscribe.NewHTTP(urls, subscribe.HTTPOptions{Protocols: protos}),
		TrustSubgraphs: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	wsUpstream := httptest.NewServer(wsGW.Handler(gateway.HandlerOptions{}))
	defer wsUpstream.Close()

	var personID, fiscalCode, serviceID, comune, comuneName string
	err = pool.QueryRow(ctx, `select p.applicant_id::text, p.applicant_fiscal_code, p.service_id, p.comune, c.name
		from practices.practice p join territory.comune c on c.istat_code = p.comune order by p.id limit 1`).
		Scan(&personID, &fiscalCode, &serviceID, &comune, &comuneName)
	if err != nil {
		t.Fatal(err)
	}
	token, err := iss.Token(auth.Claims{FiscalCode: fiscalCode, Roles: []string{auth.RoleCitizen}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	for name, url := range map[string]string{"in-process": srv.URL + "/graphql", "http": httpGW.URL, "http-ws-upstream": wsUpstream.URL} {
		t.Run(name, func(t *testing.T) {
			id, submitted := newSubmittedPractice(t, url, token, serviceID, comune, personID)
			check := func(e statusEvent, status string) {
				t.Helper()
				if e.Status != status || e.Practice.ID != id || e.Cursor == "" {
					t.Fatalf("event %+v, want %s of %s", e, status, id)
				}
				if e.Practice.Comune.IstatCode != comune || e.Practice.Comune.Name != comuneName {
					t.Errorf("comune %+v, want %s %s (territory)", e.Practice.Comune, comune, comuneName)
				}
				if e.Practice.Applicant.ID != personID || e.Practice.Applicant.FiscalCode != fiscalCode {
					t.Errorf("applicant %+v, want %s %s (identity)", e.Practice.Applicant, personID, fiscalCode)
				}
				if e.Practice.Payments == nil {
					t.Error("payments: null, want a list (payments subgraph)")
				}
			}

			ws := dialWS(t, url, "Bearer "+token)
			ws.subscribe("1", map[string]any{"id": id})
			check(ws.next("1"), "DRAFT")
			second := ws.next("1")
			check(second, submitted)

			// A live change, made through the gateway while subscribed.
			if r := postVars(t, url, token, `mutation($id: ID!) { withdrawPractice(id: $id, note: "changed my mind") { status } }`,
				map[string]any{"id": id}); len(r.Errors) > 0 {
				t.Fatalf("withdraw: %+v", r.Errors)
			}
			live := ws.next("1")
			check(live, "WITHDRAWN")
			if live.Practice.Status != "WITHDRAWN" || live.PreviousStatus == nil || *live.PreviousStatus != submitted {
				t.Errorf("live event %+v", live)
			}
			ws.complete("1")

			// Over SSE, resuming after the second event: the withdrawal, and
			// nothing before it.
			events := sse(t, url, "Bearer "+token, map[string]any{"id": id, "after": second.Cursor}, 1)
			if len(events) != 1 || len(events[0].Errors) > 0 || events[0].Data == nil {
				t.Fatalf("SSE events %+v", events)
			}
			check(events[0].Data.PracticeStatusChanged, "WITHDRAWN")

			// Without a token the practices subgraph refuses, or serve's
			// gateway before it (@requiresScopes): a coded error at the
			// subscription's field, not a silent stream.
			anon := dialWS(t, url, "")
			anon.subscribe("2", map[string]any{"id": id})
			errs := anon.errors("2")
			want := "UNAUTHENTICATED"
			if name == "in-process" {
				want = gateway.CodeUnauthorized
			}
			if len(errs) == 0 || errs[0].Extensions["code"] != want {
				t.Fatalf("anonymous subscription: %+v", errs)
			}
		})
	}
}

// TestServeRefusesBadWebSocketToken: serve verifies the connection_init
// token at the gateway, so a bad one closes the connection at once (4403
// Forbidden) instead of failing every subscription at the subgraphs.
func TestServeRefusesBadWebSocketToken(t *testing.T) {
	_, _, _, srv := serveGraph(t, seedgen.Params{People: 5, Seed: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow() //nolint:errcheck
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer not-a-token"}}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != 4403 {
				t.Fatalf("closed with %v, want 4403 Forbidden", err)
			}
			return
		}
		if strings.Contains(string(b), "connection_ack") {
			t.Fatalf("a bad token was acknowledged: %s", b)
		}
	}
}

func postVars(t testing.TB, url, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// newSubmittedPractice opens and submits a practice through the gateway,
// returning its id and the status submission led to.
func newSubmittedPractice(t testing.TB, url, token, serviceID, comune, personID string) (string, string) {
	t.Helper()
	r := postVars(t, url, token, `mutation($in: CreatePracticeInput!) { createPractice(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"serviceId": serviceID, "comune": comune, "applicantId": personID}})
	var created struct {
		CreatePractice struct{ ID, Status string }
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &created) != nil || created.CreatePractice.Status != "DRAFT" {
		t.Fatalf("createPractice: %s %+v", r.Data, r.Errors)
	}
	id := created.CreatePractice.ID
	r = postVars(t, url, token, `mutation($id: ID!) { submitPractice(id: $id) { status } }`, map[string]any{"id": id})
	var submitted struct {
		SubmitPractice struct{ Status string }
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &submitted) != nil {
		t.Fatalf("submitPractice: %s %+v", r.Data, r.Errors)
	}
	return id, submitted.SubmitPractice.Status
}

type wsClient struct {
	t    testing.TB
	ctx  context.Context
	conn *websocket.Conn
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

func dialWS(t testing.TB, url, authorization string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() }) //nolint:errcheck
	c := &wsClient{t: t, ctx: ctx, conn: conn}
	init := map[string]any{}
	if authorization != "" {
		init["Authorization"] = authorization
	}
	c.send(map[string]any{"type": "connection_init", "payload": init})
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", m.Type)
	}
	return c
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.conn.Write(c.ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) read() wsMessage {
	c.t.Helper()
	for {
		_, b, err := c.conn.Read(c.ctx)
		if err != nil {
			c.t.Fatal(err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatal(err)
		}
		if m.Type != "ping" && m.Type != "pong" {
			return m
		}
	}
}

func (c *wsClient) subscribe(id string, vars map[string]any) {
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": statusSubscription, "variables": vars}})
}

func (c *wsClient) complete(id string) { c.send(map[string]any{"id": id, "type": "complete"}) }

func (c *wsClient) next(id string) statusEvent {
	c.t.Helper()
	m := c.read()
	var p eventPayload
	if m.Type != "next" || m.ID != id || json.Unmarshal(m.Payload, &p) != nil || len(p.Errors) > 0 || p.Data == nil {
		c.t.Fatalf("got %s %s: %s, want an event of %s", m.Type, m.ID, m.Payload, id)
	}
	return p.Data.PracticeStatusChanged
}

// errors reads the errors the subscription ends with, from a next or an
// error message.
func (c *wsClient) errors(id string) []struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
} {
	c.t.Helper()
	m := c.read()
	if m.ID != id {
		c.t.Fatalf("message for %s, want %s", m.ID, id)
	}
	var p eventPayload
	switch m.Type {
	case "next":
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			c.t.Fatal(err)
		}
	case "error":
		if err := json.Unmarshal(m.Payload, &p.Errors); err != nil {
			c.t.Fatal(err)
		}
	default:
		c.t.Fatalf("got %s, want next or error", m.Type)
	}
	return p.Errors
}

// sse subscribes over Server-Sent Events and returns the first n events.
func sse(t *testing.T, url, authorization string, vars map[string]any, n int) []eventPayload {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": statusSubscription, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("SSE answered %d %s", resp.StatusCode, ct)
	}
	var out []eventPayload
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for len(out) < n && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var p eventPayload
		if err := json.Unmarshal([]byte(data), &p); err != nil {
			t.Fatalf("SSE data %q: %v", data, err)
		}
		out = append(out, p)
	}
	return out
}
