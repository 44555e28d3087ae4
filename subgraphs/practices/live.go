package practices

import (
	"github.com/citizengraph/citizengraph/internal/keyset"

	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// hub follows pg_notify('practice_status') on one dedicated connection
// while anybody is watching, and wakes the watchers of the practice each
// event belongs to. Watchers read the events themselves from the outbox,
// after their own cursor, so a missed or coalesced wake-up loses nothing;
// whenever the listener (re)connects it wakes every watcher.
type hub struct {
	pool   *pgxpool.Pool
	mu     sync.Mutex
	subs   map[string]map[chan struct{}]struct{} // practice id → wake channels
	n      int
	cancel context.CancelFunc // set while the listener runs
}

func newHub(pool *pgxpool.Pool) *hub {
	return &hub{pool: pool, subs: map[string]map[chan struct{}]struct{}{}}
}

// subscribe registers a watcher of practice id. The channel has room for
// one pending wake-up.
func (h *hub) subscribe(id string) (<-chan struct{}, func()) {
	wake := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[id] == nil {
		h.subs[id] = map[chan struct{}]struct{}{}
	}
	h.subs[id][wake] = struct{}{}
	h.n++
	if h.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.cancel = cancel
		go h.run(ctx)
	}
	return wake, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[id], wake)
		if len(h.subs[id]) == 0 {
			delete(h.subs, id)
		}
		h.n--
		if h.n == 0 && h.cancel != nil {
			h.cancel()
			h.cancel = nil
		}
	}
}

func (h *hub) wake(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (h *hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

func (h *hub) run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := h.listen(ctx); err == nil || ctx.Err() != nil {
			return
		}
		h.wakeAll() // watchers re-read the outbox: nothing is lost across reconnects
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen holds one connection out of the pool for LISTEN until ctx ends.
func (h *hub) listen(ctx context.Context) error {
	pc, err := h.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack() // a listening session never goes back to the pool
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "listen practice_status"); err != nil {
		return err
	}
	h.wakeAll() // events committed before LISTEN took effect
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			continue
		}
		var practice string
		err = conn.QueryRow(ctx, `select practice_id::text from practices.status_event where id = $1`, id).Scan(&practice)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			h.wakeAll()
			continue
		}
		h.wake(practice)
	}
}

// EncodeEventCursor is the cursor of an outbox event.
func EncodeEventCursor(id int64) string { return keyset.Encode(strconv.FormatInt(id, 10)) }

// DecodeEventCursor parses an event cursor.
func DecodeEventCursor(s string) (int64, bool) {
	parts, ok := keyset.Decode(s, 1)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	return id, err == nil && id >= 0
}

// WatchPractice streams the status events of practice id, which the caller
// must be allowed to see: first those recorded after the cursor after (all
// of them when after is empty), then each new one as it is committed. The
// channel closes when ctx ends. Events of one practice are strictly ordered
// (each change holds the practice's row lock when it takes its event id),
// so resuming from the last cursor received loses nothing.
func (s *Service) WatchPractice(ctx context.Context, id, after string) (<-chan StatusEvent, error) {
	const op = "practices.WatchPractice"
	var last int64
	if after != "" {
		var ok bool
		if last, ok = DecodeEventCursor(after); !ok {
			return nil, apperr.E(op, apperr.Invalid, "malformed cursor")
		}
	}
	pr, err := s.Practice(ctx, id)
	if err != nil {
		return nil, err
	}
	wake, unsubscribe := s.hub.subscribe(pr.ID)
	out := make(chan StatusEvent)
	go func() {
		defer close(out)
		defer unsubscribe()
		for {
			events, err := s.store.EventsAfter(ctx, strings.ToLower(pr.ID), last, 100)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, context.Canceled) {
					return
				}
				select { // transient: retry shortly
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				continue
			}
			if len(events) > 0 {
				// Authorization is checked again before every delivery: a
				// revoked or expired delegation ends the stream at once.
				if _, err := s.Practice(ctx, pr.ID); err != nil {
					switch apperr.KindOf(err) {
					case apperr.NotFound, apperr.Permission, apperr.Unauthenticated:
						select {
						case out <- StatusEvent{PracticeID: pr.ID, Denied: err}:
						case <-ctx.Done():
						}
						return
					}
					if ctx.Err() != nil {
						return
					}
				}
			}
			for _, e := range events {
				select {
				case out <- e:
					last = e.ID
				case <-ctx.Done():
					return
				}
			}
			if len(events) == 100 {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
		}
	}()
	return out, nil
}
