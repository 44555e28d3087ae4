package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Event is one domain event as a consumer receives it.
type Event struct {
	ID      string // UUID, unique across producers
	Source  string // the producing subgraph (its schema)
	Topic   string // e.g. "practice.submitted"
	Key     string // the entity the event is about, e.g. a practice id
	Payload json.RawMessage
	At      time.Time // when the producing transaction started
}

// Decode unmarshals the payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return Permanent(fmt.Errorf("bus: event %s (%s): %w", e.ID, e.Topic, err))
	}
	return nil
}

// Querier is what publishing needs of a transaction (pgx.Tx).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Publisher writes events in the producer's own transaction: the event
// exists if and only if the transaction commits.
type Publisher interface {
	Publish(ctx context.Context, tx Querier, topic, key string, payload any) (id string, err error)
}

// Handler applies one event inside tx, a transaction on the consumer's
// own schema that also records the event as applied. It must not commit
// or roll back tx. An error retries the event later; wrap it with
// [Permanent] when retrying cannot help.
type Handler func(ctx context.Context, tx pgx.Tx, e Event) error

// Consumer is a named reader of one producer's events.
type Consumer struct {
	Name   string   // unique per consumer schema, e.g. "payments.practice-fees"
	Schema string   // the consumer's schema: bus_position, bus_applied and the effect
	Source string   // the producer's schema
	Topics []string // the topics it applies; others are skipped
	Handle Handler
}

var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

func (c Consumer) check() error {
	switch {
	case c.Name == "" || c.Handle == nil:
		return errors.New("bus: a consumer needs a name and a handler")
	case !ident.MatchString(c.Schema) || !ident.MatchString(c.Source):
		return fmt.Errorf("bus: consumer %s: bad schema names %q, %q", c.Name, c.Schema, c.Source)
	}
	return nil
}

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot cure (a malformed event,
// an effect the domain refuses): the event is recorded as applied with the
// error as its outcome, and the consumer moves on.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with [Permanent].
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Outbox publishes into a producer schema's outbox table.
type Outbox struct{ schema string }

// NewOutbox returns the publisher of schema (its table <schema>.outbox).
func NewOutbox(schema string) Outbox {
	if !ident.MatchString(schema) {
		panic("bus: bad schema name " + schema)
	}
	return Outbox{schema: schema}
}

// Publish inserts the event into the outbox and notifies the consumers,
// both inside tx: they see it when, and only if, tx commits.
func (o Outbox) Publish(ctx context.Context, tx Querier, topic, key string, payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("bus: publish %s: %w", topic, err)
	}
	id := uuid.NewString()
	// The shared barrier lock before the row takes its id: a consumer that
	// takes the lock exclusively knows every id below the maximum it then
	// reads is committed or gone (see Postgres.Step).
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock_shared(hashtextextended($1, 0)), pg_notify($2, '')`,
		barrier(o.schema), Channel(o.schema)); err != nil {
		return "", fmt.Errorf("bus: publish %s: %w", topic, err)
	}
	if _, err := tx.Exec(ctx, `insert into `+o.schema+`.outbox (event_id, topic, key, payload) values ($1, $2, $3, $4)`,
		id, topic, key, b); err != nil {
		return "", fmt.Errorf("bus: publish %s: %w", topic, err)
	}
	return id, nil
}

func barrier(schema string) string { return "citizengraph.bus." + schema }

// Channel is the notification channel of a producer schema.
func Channel(schema string) string { return "bus_" + schema }
