package subscribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// subprotocol is graphql-transport-ws, the protocol of the graphql-ws
// library that gqlgen, Apollo Server and most subgraph servers speak.
const subprotocol = "graphql-transport-ws"

// closeForbidden is graphql-transport-ws' 4403 Forbidden: the subgraph
// refused or ended the subscriber's sign-in; the stream's error is then
// UNAUTHENTICATED.
const (
	closeForbidden      = 4403
	codeUnauthenticated = "UNAUTHENTICATED"
)

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// websocket opens a subscription over graphql-transport-ws: the forwarded
// headers go on the upgrade request and Authorization also in the
// connection_init payload, where browser-facing servers look for it.
func (s *HTTP) websocket(ctx context.Context, subgraph, url string, req execute.Request) (Stream, error) {
	fail := func(code string, err error) (Stream, error) {
		return nil, &execute.FetchError{Subgraph: subgraph, Code: code, Err: err}
	}
	header := http.Header{}
	copyForwarded(header, execute.IncomingHeaders(ctx), s.opts.ForwardHeaders)
	dialCtx, cancel := context.WithTimeout(ctx, s.opts.ConnectTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(dialCtx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		HTTPClient:   s.client,
		HTTPHeader:   header,
		Subprotocols: []string{subprotocol},
	})
	if err != nil {
		if resp != nil {
			return fail(execute.CodeHTTPError, fmt.Errorf("WebSocket upgrade answered HTTP status %d", resp.StatusCode))
		}
		if dialCtx.Err() != nil && ctx.Err() == nil {
			return fail(execute.CodeTimeout, fmt.Errorf("WebSocket connection timed out after %s", s.opts.ConnectTimeout))
		}
		return fail(execute.CodeHTTPError, err)
	}
	conn.SetReadLimit(MaxEventBytes)
	st := &wsStream{subgraph: subgraph, conn: conn}
	if conn.Subprotocol() != subprotocol {
		conn.CloseNow() //nolint:errcheck
		return fail(execute.CodeMalformedResponse, fmt.Errorf("the subgraph does not speak %s", subprotocol))
	}
	init := map[string]string{}
	if a := header.Get("Authorization"); a != "" {
		init["Authorization"] = a
	}
	payload, _ := json.Marshal(init)
	if err := st.send(dialCtx, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		return nil, st.fail(err)
	}
	for {
		m, err := st.read(dialCtx)
		if err != nil {
			return nil, st.fail(err)
		}
		if m.Type == "connection_ack" {
			break
		}
	}
	if err := st.send(dialCtx, wsMessage{ID: "1", Type: "subscribe", Payload: req.Body}); err != nil {
		return nil, st.fail(err)
	}
	return st, nil
}

// wsStream is one subscription on its own graphql-transport-ws connection.
type wsStream struct {
	subgraph string
	conn     *websocket.Conn
	done     bool        // Next's own: the stream has ended
	closed   atomic.Bool // Close ran
}

func (s *wsStream) send(ctx context.Context, m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// read returns the next message that is not a ping or pong, answering
// pings.
func (s *wsStream) read(ctx context.Context) (wsMessage, error) {
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return wsMessage{}, fmt.Errorf("not a graphql-transport-ws message: %w", err)
		}
		switch m.Type {
		case "ping":
			if err := s.send(ctx, wsMessage{Type: "pong"}); err != nil {
				return wsMessage{}, err
			}
		case "pong":
		default:
			return m, nil
		}
	}
}

// fail closes the connection and reports err as a broken subscription.
func (s *wsStream) fail(err error) error {
	s.done = true
	s.conn.CloseNow() //nolint:errcheck
	code := execute.CodeHTTPError
	var ce websocket.CloseError
	switch {
	case errors.As(err, &ce):
		err = fmt.Errorf("the subgraph closed the connection: %d %s", ce.Code, ce.Reason)
		if ce.Code == closeForbidden {
			// The subgraph refused the subscriber's credentials, or they
			// expired: the subscriber's to renew, not a subgraph failure.
			code = codeUnauthenticated
		}
	case errors.Is(err, context.DeadlineExceeded):
		code = execute.CodeTimeout
	}
	return &execute.FetchError{Subgraph: s.subgraph, Code: code, Err: err}
}

// Next implements Stream.
func (s *wsStream) Next(ctx context.Context) (execute.Response, error) {
	if s.done {
		return execute.Response{}, io.EOF
	}
	for {
		m, err := s.read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				s.done = true
				s.conn.CloseNow() //nolint:errcheck
				return execute.Response{}, ctx.Err()
			}
			return execute.Response{}, s.fail(err)
		}
		if m.ID != "1" {
			continue
		}
		switch m.Type {
		case "next":
			return execute.Response{StatusCode: http.StatusOK, Body: m.Payload}, nil
		case "error":
			// The subgraph refused the operation: its errors, then the end.
			s.done = true
			s.conn.Close(websocket.StatusNormalClosure, "") //nolint:errcheck
			body := append(append([]byte(`{"data":null,"errors":`), m.Payload...), '}')
			return execute.Response{StatusCode: http.StatusOK, Body: body}, nil
		case "complete":
			s.done = true
			s.conn.Close(websocket.StatusNormalClosure, "") //nolint:errcheck
			return execute.Response{}, io.EOF
		}
	}
}

// Close implements Stream: it tells the subgraph the subscription is
// complete and closes the connection, which ends a waiting Next.
func (s *wsStream) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.send(ctx, wsMessage{ID: "1", Type: "complete"})
	return s.conn.Close(websocket.StatusNormalClosure, "")
}
