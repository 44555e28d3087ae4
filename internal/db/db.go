package db

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

// Open connects a pool to url and checks it with a ping.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return OpenWith(ctx, url, nil)
}

// OpenWith is [Open] with configure (when not nil) applied to the pool's
// configuration last, e.g. to install a tracer.
func OpenWith(ctx context.Context, url string, configure func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse url: %w", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	// Statements are prepared once per connection (pgx's statement cache);
	// a generic plan lets Postgres plan them once too. Its default keeps
	// planning statements keyed on array parameters (every batched load)
	// afresh at each execution. The URL's plan_cache_mode wins.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	if configure != nil {
		configure(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return pool, nil
}

// Migration is one subgraph's migration set: the Postgres schema it owns and
// its embedded tern migration files (NNN_name.sql).
type Migration struct {
	Schema string
	Files  fs.FS
}

// Migrate brings every schema in ms to its latest version. Each schema keeps
// its own tern version table, <schema>.schema_version.
func Migrate(ctx context.Context, pool *pgxpool.Pool, ms ...Migration) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate: acquire: %w", err)
	}
	defer conn.Release()
	for _, m := range ms {
		if err := migrateOne(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

func migrateOne(ctx context.Context, conn *pgx.Conn, m Migration) error {
	schema := pgx.Identifier{m.Schema}.Sanitize()
	if _, err := conn.Exec(ctx, "create schema if not exists "+schema); err != nil {
		return fmt.Errorf("db: migrate %s: create schema: %w", m.Schema, err)
	}
	mg, err := migrate.NewMigrator(ctx, conn, m.Schema+".schema_version")
	if err != nil {
		return fmt.Errorf("db: migrate %s: %w", m.Schema, err)
	}
	if err := mg.LoadMigrations(m.Files); err != nil {
		return fmt.Errorf("db: migrate %s: load: %w", m.Schema, err)
	}
	if err := mg.Migrate(ctx); err != nil {
		return fmt.Errorf("db: migrate %s: %w", m.Schema, err)
	}
	return nil
}
