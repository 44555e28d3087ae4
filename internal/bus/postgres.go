package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune the Postgres runner.
type Options struct {
	// Poll is the fallback polling interval when no notification arrives
	// (default 1s).
	Poll time.Duration
	// Batch is the most events applied in one transaction (default 100).
	Batch int
	// Applied, when set, is called after each committed batch with the
	// events it applied (not those skipped as already applied).
	Applied func(consumer string, events []Event)
	// Logger receives handler failures (default slog.Default()).
	Logger *slog.Logger
}

// Postgres runs consumers over the outbox tables of one database.
type Postgres struct {
	pool *pgxpool.Pool
	opts Options
}

// NewPostgres returns the runner on pool.
func NewPostgres(pool *pgxpool.Pool, opts Options) *Postgres {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Postgres{pool: pool, opts: opts}
}

// ErrBusy is returned by Step when another process holds the consumer.
var ErrBusy = errors.New("bus: the consumer is running in another session")

// Step applies the next batch of events of c in one transaction and
// reports how many it read (applied or skipped). It returns ErrBusy when
// another session is running c at this moment.
func (p *Postgres) Step(ctx context.Context, c Consumer) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	n, err := p.step(ctx, c, false)
	if errors.Is(err, errCareful) {
		// A handler failed in the fast path, which rolled the whole batch
		// back: apply it again event by event, each in a savepoint.
		return p.step(ctx, c, true)
	}
	return n, err
}

// errCareful rolls a fast batch back so that it runs event by event.
var errCareful = errors.New("bus: handler failed in a batch")

// step applies one batch. Fast: every applied mark in one statement, then
// the handlers in order in the batch's transaction. Careful: each event in
// a savepoint of its own, so a failure keeps the events before it.
func (p *Postgres) step(ctx context.Context, c Consumer, careful bool) (int, error) {
	if _, err := p.pool.Exec(ctx, `insert into `+c.Schema+`.bus_position (consumer) values ($1) on conflict do nothing`, c.Name); err != nil {
		return 0, fmt.Errorf("bus: %s: position: %w", c.Name, err)
	}
	// The barrier: once the exclusive lock is granted, every publisher
	// that took an id has committed or rolled back, so no row at or below
	// hi can appear later; new rows take ids above it.
	var hi int64
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtextextended($1, 0))`, barrier(c.Source)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `select coalesce(max(id), 0) from `+c.Source+`.outbox`).Scan(&hi)
	})
	if err != nil {
		return 0, fmt.Errorf("bus: %s: barrier: %w", c.Name, err)
	}
	var (
		n       int
		applied []Event
		hErr    error
	)
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var pos int64
		err := tx.QueryRow(ctx, `select id from `+c.Schema+`.bus_position where consumer = $1 for update skip locked`,
			c.Name).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrBusy
		}
		if err != nil {
			return fmt.Errorf("position: %w", err)
		}
		if pos >= hi {
			return nil
		}
		rows, err := tx.Query(ctx, `select id, event_id::text, topic, key, payload, at from `+c.Source+`.outbox
			where id > $1 and id <= $2 and topic = any($3) order by id limit $4`, pos, hi, c.Topics, p.opts.Batch)
		if err != nil {
			return fmt.Errorf("read %s.outbox: %w", c.Source, err)
		}
		type row struct {
			id int64
			e  Event
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.e.ID, &r.e.Topic, &r.e.Key, &r.e.Payload, &r.e.At); err != nil {
				rows.Close()
				return fmt.Errorf("scan %s.outbox: %w", c.Source, err)
			}
			r.e.Source = c.Source
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %s.outbox: %w", c.Source, err)
		}
		last := -1
		if !careful && len(batch) > 0 {
			ids := make([]string, len(batch))
			for i, r := range batch {
				ids[i] = r.e.ID
			}
			rows, err := tx.Query(ctx, `insert into `+c.Schema+`.bus_applied (consumer, event_id)
				select $1, unnest($2::uuid[]) on conflict do nothing returning event_id::text`, c.Name, ids)
			if err != nil {
				return fmt.Errorf("applied marks: %w", err)
			}
			fresh, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return fmt.Errorf("applied marks: %w", err)
			}
			isFresh := make(map[string]bool, len(fresh))
			for _, id := range fresh {
				isFresh[id] = true
			}
			for _, r := range batch {
				if !isFresh[r.e.ID] {
					continue
				}
				if err := c.Handle(ctx, tx, r.e); err != nil {
					return errCareful
				}
				applied = append(applied, r.e)
			}
			last = len(batch) - 1
		}
		for i, r := range batch {
			if !careful {
				break
			}
			ok, err := p.apply(ctx, tx, c, r.e)
			if err != nil {
				hErr = fmt.Errorf("bus: %s: event %s (%s): %w", c.Name, r.e.ID, r.e.Topic, err)
				break
			}
			if ok {
				applied = append(applied, r.e)
			}
			last = i
		}
		n = last + 1
		// The position moves past the rows read and, when the batch was not
		// cut short, past the rows of other topics up to hi.
		next := pos
		switch {
		case hErr != nil && last >= 0:
			next = batch[last].id
		case hErr == nil && len(batch) == p.opts.Batch:
			next = batch[len(batch)-1].id
		case hErr == nil:
			next = hi
		}
		if next > pos {
			if _, err := tx.Exec(ctx, `update `+c.Schema+`.bus_position set id = $2 where consumer = $1`, c.Name, next); err != nil {
				return fmt.Errorf("advance: %w", err)
			}
		}
		return nil
	})
	if errors.Is(err, ErrBusy) {
		return 0, ErrBusy
	}
	if err != nil {
		return 0, fmt.Errorf("bus: %s: %w", c.Name, err)
	}
	if len(applied) > 0 && p.opts.Applied != nil {
		p.opts.Applied(c.Name, applied)
	}
	return n, hErr
}

// apply runs the handler on e in a savepoint with the event's applied
// mark; ok is false when e had been applied already.
func (p *Postgres) apply(ctx context.Context, tx pgx.Tx, c Consumer, e Event) (ok bool, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer sp.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	tag, err := sp.Exec(ctx, `insert into `+c.Schema+`.bus_applied (consumer, event_id) values ($1, $2) on conflict do nothing`, c.Name, e.ID)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		return false, sp.Commit(ctx)
	}
	if herr := c.Handle(ctx, sp, e); herr != nil {
		if !IsPermanent(herr) {
			return false, herr
		}
		// Undo the effect, keep the mark with the reason.
		if err := sp.Rollback(ctx); err != nil {
			return false, err
		}
		p.opts.Logger.Warn("bus: event refused", "consumer", c.Name, "event", e.ID, "topic", e.Topic, "err", herr)
		_, err := tx.Exec(ctx, `insert into `+c.Schema+`.bus_applied (consumer, event_id, error) values ($1, $2, $3)`, c.Name, e.ID, herr.Error())
		return false, err
	}
	return true, sp.Commit(ctx)
}

// Run runs consumers until ctx ends: each applies batches while there are
// events, then waits for a notification on its producer's channel or the
// polling interval. Handler failures are logged and retried with backoff.
func (p *Postgres) Run(ctx context.Context, consumers ...Consumer) error {
	for _, c := range consumers {
		if err := c.check(); err != nil {
			return err
		}
	}
	w := &waker{subs: map[string][]chan struct{}{}}
	var channels []string
	wakes := make([]chan struct{}, len(consumers))
	for i, c := range consumers {
		wakes[i] = make(chan struct{}, 1)
		ch := Channel(c.Source)
		if w.subs[ch] == nil {
			channels = append(channels, ch)
		}
		w.subs[ch] = append(w.subs[ch], wakes[i])
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.listen(ctx, channels, w) }()
	for i, c := range consumers {
		wg.Add(1)
		go func() { defer wg.Done(); p.loop(ctx, c, wakes[i]) }()
	}
	wg.Wait()
	return ctx.Err()
}

func (p *Postgres) loop(ctx context.Context, c Consumer, wake <-chan struct{}) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		n, err := p.Step(ctx, c)
		switch {
		case err == nil && n == p.opts.Batch:
			backoff = 100 * time.Millisecond
			continue // more may be waiting
		case err == nil || errors.Is(err, ErrBusy):
			backoff = 100 * time.Millisecond
			if n > 0 {
				continue
			}
		default:
			if ctx.Err() != nil {
				return
			}
			p.opts.Logger.Error("bus: consumer failed, retrying", "consumer", c.Name, "err", err, "in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
			continue
		}
		t := time.NewTimer(p.opts.Poll)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

type waker struct {
	mu   sync.Mutex
	subs map[string][]chan struct{}
}

func (w *waker) wake(channel string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch, list := range w.subs {
		if channel != "" && ch != channel {
			continue
		}
		for _, c := range list {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
}

// listen follows the producers' channels on a connection of its own,
// reconnecting with backoff; polling covers the gaps.
func (p *Postgres) listen(ctx context.Context, channels []string, w *waker) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := func() error {
			conn, err := pgx.ConnectConfig(ctx, p.pool.Config().ConnConfig.Copy())
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			for _, ch := range channels {
				if _, err := conn.Exec(ctx, `listen `+pgx.Identifier{ch}.Sanitize()); err != nil {
					return err
				}
			}
			w.wake("") // events committed before LISTEN took effect
			backoff = 100 * time.Millisecond
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					return err
				}
				w.wake(n.Channel)
			}
		}()
		if ctx.Err() != nil {
			return
		}
		p.opts.Logger.Warn("bus: listener lost, reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
