package subscribe_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsSubgraph speaks graphql-transport-ws the way graphql-ws servers do,
// with a script chosen by the query text.
type wsSubgraph struct {
	initPayload, upgradeAuth chan string
	released                 chan struct{}
}

func (s *wsSubgraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	protos := []string{"graphql-transport-ws"}
	if r.URL.Path == "/legacy" {
		protos = []string{"graphql-ws"}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protos})
	if err != nil {
		return
	}
	defer conn.CloseNow() //nolint:errcheck
	ctx := r.Context()
	read := func() wsMsg {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return wsMsg{Type: "closed"}
		}
		var m wsMsg
		json.Unmarshal(b, &m) //nolint:errcheck
		return m
	}
	send := func(m wsMsg) {
		b, _ := json.Marshal(m)
		conn.Write(ctx, websocket.MessageText, b) //nolint:errcheck
	}
	init := read()
	s.upgradeAuth <- r.Header.Get("Authorization")
	s.initPayload <- string(init.Payload)
	send(wsMsg{Type: "ping"})
	send(wsMsg{Type: "connection_ack"})
	sub := read()
	if sub.Type == "pong" {
		sub = read()
	}
	switch q := string(sub.Payload); {
	case strings.Contains(q, "twoEvents"):
		send(wsMsg{ID: sub.ID, Type: "next", Payload: json.RawMessage(`{"data":{"n":1}}`)})
		send(wsMsg{Type: "ping"})
		send(wsMsg{ID: sub.ID, Type: "next", Payload: json.RawMessage(`{"data":{"n":2}}`)})
		send(wsMsg{ID: sub.ID, Type: "complete"})
		read()
	case strings.Contains(q, "rejected"):
		send(wsMsg{ID: sub.ID, Type: "error", Payload: json.RawMessage(`[{"message":"no such field"}]`)})
		read()
	case strings.Contains(q, "forbidden"):
		send(wsMsg{ID: sub.ID, Type: "next", Payload: json.RawMessage(`{"data":{"n":1}}`)})
		conn.Close(4403, "Forbidden: token expired") //nolint:errcheck
	case strings.Contains(q, "forever"):
		send(wsMsg{ID: sub.ID, Type: "next", Payload: json.RawMessage(`{"data":{"n":1}}`)})
		for read().Type != "closed" {
		}
		close(s.released)
	}
}

func wsSubscriber(t *testing.T) (*wsSubgraph, *subscribe.HTTP, string) {
	sg := &wsSubgraph{initPayload: make(chan string, 4), upgradeAuth: make(chan string, 4), released: make(chan struct{})}
	srv := httptest.NewServer(sg)
	t.Cleanup(srv.Close)
	return sg, subscribe.NewHTTP(map[string]string{"live": srv.URL + "/graphql", "legacy": srv.URL + "/legacy"}, subscribe.HTTPOptions{
		Protocols: map[string]subscribe.Protocol{"live": subscribe.WebSocket, "legacy": subscribe.WebSocket},
	}), srv.URL
}

func TestWebSocketEventsThenComplete(t *testing.T) {
	sg, sub, _ := wsSubscriber(t)
	ctx := execute.WithForwardHeaders(context.Background(), http.Header{"Authorization": {"Bearer w1"}, "Cookie": {"secret"}})
	st, err := sub.Subscribe(ctx, "live", request("twoEvents"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if a := <-sg.upgradeAuth; a != "Bearer w1" {
		t.Errorf("upgrade Authorization %q", a)
	}
	if p := <-sg.initPayload; p != `{"Authorization":"Bearer w1"}` {
		t.Errorf("connection_init payload %s", p)
	}
	for _, want := range []string{`{"data":{"n":1}}`, `{"data":{"n":2}}`} {
		ev, err := st.Next(context.Background())
		if err != nil || string(ev.Body) != want {
			t.Fatalf("event %q %v, want %s", ev.Body, err, want)
		}
	}
	if _, err := st.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after complete: %v", err)
	}
}

func TestWebSocketRejectedAndRefused(t *testing.T) {
	_, sub, _ := wsSubscriber(t)
	ctx := context.Background()
	st, err := sub.Subscribe(ctx, "live", request("rejected"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.Next(ctx)
	if err != nil || string(ev.Body) != `{"data":null,"errors":[{"message":"no such field"}]}` {
		t.Fatalf("error message as %q %v", ev.Body, err)
	}
	if _, err := st.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after error: %v", err)
	}
	var fe *execute.FetchError
	if _, err := sub.Subscribe(ctx, "legacy", request("twoEvents")); !errors.As(err, &fe) || fe.Code != execute.CodeMalformedResponse {
		t.Fatalf("a server without graphql-transport-ws: %v", err)
	}
}

func TestWebSocketCancelEndsUpstream(t *testing.T) {
	sg, sub, _ := wsSubscriber(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sub.Subscribe(ctx, "live", request("forever"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Next(ctx); err != nil {
		t.Fatal(err)
	}
	next := make(chan error, 1)
	go func() { _, err := st.Next(ctx); next <- err }()
	cancel()
	select {
	case err := <-next:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
	select {
	case <-sg.released:
	case <-time.After(10 * time.Second):
		t.Fatal("the subgraph's connection did not end")
	}
}
