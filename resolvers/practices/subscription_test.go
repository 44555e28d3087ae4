package practices_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/subgraphs/practices"
)

// TestPracticeStatusChangedOverWebSocket follows a practice over
// graphql-transport-ws: the recorded changes first, then a live one.
func TestPracticeStatusChangedOverWebSocket(t *testing.T) {
	s := newServer(t, 0, 0)
	ctx := context.Background()
	alice := principals["alice"]
	p, err := s.svc.CreatePractice(withPrincipal(ctx, alice), practices.CreateInput{
		ServiceID: practices.ServiceIDFor("certificati-anagrafici"), Comune: rho, ApplicantID: aliceID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Act(withPrincipal(ctx, alice), p.ID, practices.ActionSubmit, ""); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(s.url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	send := func(v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	type message struct {
		Type    string
		ID      string
		Payload json.RawMessage
	}
	read := func() message {
		t.Helper()
		for {
			_, b, err := conn.Read(wctx)
			if err != nil {
				t.Fatal(err)
			}
			var m message
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Type == "ping" || m.Type == "pong" {
				continue
			}
			return m
		}
	}
	send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer alice"}})
	if m := read(); m.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", m.Type)
	}
	send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($id: ID!) { practiceStatusChanged(id: $id) {
			cursor status previousStatus actor { kind id } practice { id status } } }`,
		"variables": map[string]any{"id": p.ID},
	}})
	type event struct {
		Data struct {
			PracticeStatusChanged struct {
				Cursor, Status string
				PreviousStatus *string
				Actor          struct{ Kind, ID string }
				Practice       struct{ ID, Status string }
			}
		}
		Errors []gqlError
	}
	next := func() event {
		t.Helper()
		m := read()
		if m.Type != "next" || m.ID != "1" {
			t.Fatalf("got %s %s: %s", m.Type, m.ID, m.Payload)
		}
		var e event
		if err := json.Unmarshal(m.Payload, &e); err != nil {
			t.Fatal(err)
		}
		if len(e.Errors) > 0 {
			t.Fatalf("errors %+v", e.Errors)
		}
		return e
	}
	if e := next().Data.PracticeStatusChanged; e.Status != "DRAFT" || e.PreviousStatus != nil || e.Actor.ID != aliceFC {
		t.Fatalf("first event %+v", e)
	}
	if e := next().Data.PracticeStatusChanged; e.Status != "SUBMITTED" || *e.PreviousStatus != "DRAFT" || e.Practice.ID != p.ID {
		t.Fatalf("second event %+v", e)
	}
	if _, err := s.svc.Act(withPrincipal(ctx, principals["admin"]), p.ID, practices.ActionRegister, ""); err != nil {
		t.Fatal(err)
	}
	e := next().Data.PracticeStatusChanged
	if e.Status != "REGISTERED" || e.Practice.Status != "REGISTERED" || e.Actor.Kind != "SYSTEM" || e.Cursor == "" {
		t.Fatalf("live event %+v", e)
	}
	send(map[string]any{"id": "1", "type": "complete"})
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

func withPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	return auth.WithPrincipal(ctx, p)
}
