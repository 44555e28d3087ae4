package devdb

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/db"
)

// QueryCounter is a pgx tracer that records every SQL statement sent
// (each statement of a batch too), so
// tests can assert how many queries an operation costs.
type QueryCounter struct {
	mu      sync.Mutex
	queries []string
}

// TraceQueryStart records the statement.
func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	c.queries = append(c.queries, d.SQL)
	c.mu.Unlock()
	return ctx
}

// TraceQueryEnd does nothing.
func (c *QueryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart does nothing: each statement of a batch is recorded by
// TraceBatchQuery, so a batch counts as many statements as it carries.
func (c *QueryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

// TraceBatchQuery records one statement of a batch.
func (c *QueryCounter) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.mu.Lock()
	c.queries = append(c.queries, d.SQL)
	c.mu.Unlock()
}

// TraceBatchEnd does nothing.
func (c *QueryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Reset forgets the recorded statements.
func (c *QueryCounter) Reset() {
	c.mu.Lock()
	c.queries = nil
	c.mu.Unlock()
}

// Queries returns the statements recorded since the last Reset.
func (c *QueryCounter) Queries() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.queries...)
}

// Count is len(Queries()).
func (c *QueryCounter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queries)
}

// NewCountingTestDB is NewTestDB with a QueryCounter installed on the pool.
func NewCountingTestDB(t testing.TB, ms ...db.Migration) (*pgxpool.Pool, *QueryCounter) {
	t.Helper()
	url := TestURL(t, ms...)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("devdb: %v", err)
	}
	qc := &QueryCounter{}
	cfg.ConnConfig.Tracer = qc
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("devdb: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, qc
}
