package gateway_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citizengraph/citizengraph/internal/gateway"
	"github.com/citizengraph/citizengraph/internal/gateway/execute"
	"github.com/citizengraph/citizengraph/internal/gateway/subscribe"
)

// idle is a subscriber whose streams never send an event; subscribed, when
// set, counts the subscriptions that reached it (past every quota).
type idle struct{ subscribed *atomic.Int64 }

type idleStream struct{ done chan struct{} }

func (i idle) Subscribe(context.Context, string, execute.Request) (subscribe.Stream, error) {
	if i.subscribed != nil {
		i.subscribed.Add(1)
	}
	return &idleStream{done: make(chan struct{})}, nil
}

func (s *idleStream) Next(ctx context.Context) (execute.Response, error) {
	select {
	case <-ctx.Done():
		return execute.Response{}, ctx.Err()
	case <-s.done:
		return execute.Response{}, context.Canceled
	}
}

func (s *idleStream) Close() error {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	return nil
}

// TestSubscriptionQuotaPerClient: one client — a token's subject, or an
// anonymous caller's address — holds at most MaxSubscriptionsPerClient
// subscriptions; one more is SUBSCRIPTION_LIMIT_EXCEEDED, other clients
// are unaffected, and a closed subscription frees its slot.
func TestSubscriptionQuotaPerClient(t *testing.T) {
	sg := mustLiveSupergraph(t)
	var subscribed atomic.Int64
	gw, err := gateway.New(sg, gateway.Options{Subscriber: idle{subscribed: &subscribed}, Fetcher: &scripted{}, MaxSubscriptionsPerClient: 2})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler(gateway.HandlerOptions{KeepAlive: time.Hour}))
	t.Cleanup(srv.Close)
	url := srv.URL
	const q = `subscription { reviewAdded { body } }`
	exp := time.Now().Add(time.Hour)
	alice, bob := "Bearer "+tokenFor("alice", exp), "Bearer "+tokenFor("bob", exp)
	refused := func(authorization string) bool {
		t.Helper()
		select {
		case d := <-sseEventsWith(t, url, authorization, q):
			if !strings.Contains(d, `"code":"SUBSCRIPTION_LIMIT_EXCEEDED"`) {
				t.Fatalf("unexpected event %s", d)
			}
			return true
		case <-time.After(30 * time.Second):
			// Open, waiting for events: every call here expects a
			// refusal, so the wait is long enough for a loaded machine.
			t.Logf("no refusal: %d open, %d subscribed", gw.OpenSubscriptions(), subscribed.Load())
			return false
		}
	}
	open := func(authorization string) context.CancelFunc {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		// Wait until the subscription is past the quota (it reached the
		// subscriber), not merely counted as open: the next request must
		// not overtake it at the quota.
		before := subscribed.Load()
		sseEventsCtx(t, ctx, url, authorization, q)
		waitFor(t, func() bool { return subscribed.Load() == before+1 }, "the subscription to open")
		return cancel
	}
	closeAlice := open(alice)
	open(alice)
	if !refused(alice) {
		t.Fatal("a third subscription of alice was accepted")
	}
	open(bob)
	open(bob)
	if !refused(bob) {
		t.Fatal("a third subscription of bob was accepted")
	}
	open("")
	open("")
	if !refused("") {
		t.Fatal("a third anonymous subscription from one address was accepted")
	}
	if n := gw.OpenSubscriptions(); n != 6 {
		t.Fatalf("%d open, want 6", n)
	}
	closeAlice()
	waitFor(t, func() bool { return gw.OpenSubscriptions() == 5 }, "alice's slot to be freed")
	open(alice)
	if !refused(alice) {
		t.Fatal("alice over her quota after a slot was freed and taken again")
	}
}

func tokenFor(sub string, exp time.Time) string {
	tok := unsignedToken(exp)
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64json(map[string]any{"sub": sub, "exp": exp.Unix()}) + "." + parts[2]
}
