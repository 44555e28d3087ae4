package territory

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// comuneChannel is the channel on which every change of territory.comune
// is announced (migration 003).
const comuneChannel = "territory_comune"

// comuniIdle is how long the comuni stay in memory, and their listener
// connected, after the last lookup that used them.
const comuniIdle = 10 * time.Second

// comuniCache holds every comune in memory while a listener follows
// territory_comune on a connection of its own: the copy is used only
// while the listener is connected, is dropped at every change announced
// (and whenever the listener connects or stops), and a copy read while a
// change was announced is not kept. A lookup sees a change once its
// announcement has arrived, milliseconds after the commit. The listener
// starts with the first lookup and stops after comuniIdle without one,
// dropping the copy.
type comuniCache struct {
	pool *pgxpool.Pool

	mu        sync.Mutex
	listening bool // connected and listening: the copy may be used
	running   bool // a listener goroutine is running
	gen       uint64
	comuni    map[string]Comune // nil when not in memory
	comuniGen uint64            // gen when comuni were read
	used      time.Time         // last lookup
}

// lookup returns the comuni of codes in the same order (nil where none
// has the code) from memory, and ok false when the copy cannot be used:
// the caller reads them from the database.
func (c *comuniCache) lookup(ctx context.Context, st *Store, codes []string) ([]*Comune, bool) {
	c.mu.Lock()
	c.used = time.Now()
	if !c.running {
		c.running = true
		go c.listen()
	}
	if !c.listening {
		c.mu.Unlock()
		return nil, false
	}
	m, gen := c.comuni, c.gen
	if m == nil || c.comuniGen != gen {
		c.mu.Unlock()
		all, err := st.AllComuni(ctx)
		if err != nil {
			return nil, false
		}
		m = make(map[string]Comune, len(all))
		for _, k := range all {
			m[k.IstatCode] = k
		}
		c.mu.Lock()
		if c.listening && c.gen == gen {
			c.comuni, c.comuniGen = m, gen
		}
	}
	c.mu.Unlock()
	out := make([]*Comune, len(codes))
	for i, code := range codes {
		if k, ok := m[code]; ok {
			out[i] = k.clone()
		}
	}
	return out, true
}

// drop forgets the copy; c.mu held.
func (c *comuniCache) drop() {
	c.gen++
	c.comuni = nil
}

// listen follows the channel until comuniIdle passes without a lookup,
// reconnecting after a failure.
func (c *comuniCache) listen() {
	defer func() {
		c.mu.Lock()
		c.listening, c.running = false, false
		c.drop()
		c.mu.Unlock()
	}()
	for {
		err := c.follow()
		c.mu.Lock()
		c.listening = false
		c.drop()
		idle := time.Since(c.used) > comuniIdle
		c.mu.Unlock()
		if idle {
			return
		}
		if err != nil {
			slog.Warn("territory: following comune changes", "err", err)
			time.Sleep(time.Second)
		}
	}
}

// follow listens on one connection until it fails (an error) or the
// cache goes idle (nil).
func (c *comuniCache) follow() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	cfg := c.pool.Config().ConnConfig.Copy()
	cfg.Tracer = nil // the listener's statements are none of a request's
	conn, err := pgx.ConnectConfig(ctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "listen "+comuneChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	c.mu.Lock()
	c.listening = true
	c.drop() // whatever was read before the listener is not trusted
	c.mu.Unlock()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), comuniIdle)
		_, err := conn.WaitForNotification(ctx)
		timedOut := ctx.Err() != nil
		cancel()
		c.mu.Lock()
		idle := time.Since(c.used) > comuniIdle
		if err == nil {
			c.drop() // a change: read the comuni again
		}
		c.mu.Unlock()
		switch {
		case err == nil:
		case timedOut && !conn.PgConn().IsClosed():
			if idle {
				return nil
			}
		default:
			return fmt.Errorf("wait: %w", err)
		}
	}
}

// clone returns a copy of k sharing nothing with it.
func (k Comune) clone() *Comune {
	if k.PostalCodes != nil {
		k.PostalCodes = append(make([]string, 0, len(k.PostalCodes)), k.PostalCodes...)
	}
	if k.ZonaID != nil {
		z := *k.ZonaID
		k.ZonaID = &z
	}
	return &k
}
