package subscribe_test

import (
	"context"
	"errors"
	"testing"

	"github.com/citizengraph/citizengraph/internal/gateway/execute"
)

// TestWebSocketClosedForbidden: a subgraph that ends the subscriber's
// sign-in (4403: token refused or expired) breaks the stream with an
// UNAUTHENTICATED error, the subscriber's to act on, not a subgraph
// failure.
func TestWebSocketClosedForbidden(t *testing.T) {
	_, sub, _ := wsSubscriber(t)
	st, err := sub.Subscribe(context.Background(), "live", request("forbidden"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ev, err := st.Next(context.Background()); err != nil || string(ev.Body) != `{"data":{"n":1}}` {
		t.Fatalf("first event %q %v", ev.Body, err)
	}
	_, err = st.Next(context.Background())
	var fe *execute.FetchError
	if !errors.As(err, &fe) || fe.Code != "UNAUTHENTICATED" {
		t.Fatalf("after 4403: %v", err)
	}
}
