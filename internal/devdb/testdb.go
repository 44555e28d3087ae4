package devdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/db"
)

// NewTestDB returns a pool on a fresh database holding the given migrations,
// cloned from a template that is built once per migration set. The database
// is dropped when the test ends. It fails the test, never skips it, when no
// PostgreSQL can be had.
func NewTestDB(t testing.TB, ms ...db.Migration) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pool, dbURL, err := newTestDB(ctx, t.Name(), ms...)
	if err != nil {
		t.Fatalf("devdb: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		dropDatabase(context.Background(), dbURL)
	})
	return pool
}

// TestURL is like NewTestDB but returns the database URL instead of a pool,
// for tests that start whole servers.
func TestURL(t testing.TB, ms ...db.Migration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pool, dbURL, err := newTestDB(ctx, t.Name(), ms...)
	if err != nil {
		t.Fatalf("devdb: %v", err)
	}
	pool.Close()
	t.Cleanup(func() { dropDatabase(context.Background(), dbURL) })
	return dbURL
}

func newTestDB(ctx context.Context, name string, ms ...db.Migration) (*pgxpool.Pool, string, error) {
	server, err := Ensure(ctx)
	if err != nil {
		return nil, "", err
	}
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return nil, "", fmt.Errorf("connect %s: %w", redact(server), err)
	}
	defer admin.Close(ctx)

	tmpl, err := templateName(ms)
	if err != nil {
		return nil, "", err
	}
	if err := ensureTemplate(ctx, admin, server, tmpl, ms); err != nil {
		return nil, "", err
	}
	dbName := fmt.Sprintf("t_%s_%d_%d", sanitize(name), os.Getpid(), time.Now().UnixNano()%1e9)
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(ctx, "create database "+pgx.Identifier{dbName}.Sanitize()+" template "+pgx.Identifier{tmpl}.Sanitize())
		var pgErr *pgconn.PgError
		if err != nil && errors.As(err, &pgErr) && pgErr.Code == "55006" && attempt < 50 {
			time.Sleep(100 * time.Millisecond) // template busy: another clone in progress
			continue
		}
		break
	}
	if err != nil {
		return nil, "", fmt.Errorf("clone template: %w", err)
	}
	dbURL, err := withDatabase(server, dbName)
	if err != nil {
		return nil, "", err
	}
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return nil, "", err
	}
	return pool, dbURL, nil
}

func ensureTemplate(ctx context.Context, admin *pgx.Conn, server, tmpl string, ms []db.Migration) error {
	// Serialise template creation across test processes.
	if _, err := admin.Exec(ctx, "select pg_advisory_lock(74220001)"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer admin.Exec(context.Background(), "select pg_advisory_unlock(74220001)") //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "select exists(select 1 from pg_database where datname=$1)", tmpl).Scan(&exists); err != nil {
		return fmt.Errorf("check template: %w", err)
	}
	if exists {
		return nil
	}
	building := tmpl + "_build"
	admin.Exec(ctx, "drop database if exists "+pgx.Identifier{building}.Sanitize()) //nolint:errcheck
	if _, err := admin.Exec(ctx, "create database "+pgx.Identifier{building}.Sanitize()); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	u, err := withDatabase(server, building)
	if err != nil {
		return err
	}
	pool, err := db.Open(ctx, u)
	if err != nil {
		return err
	}
	err = db.Migrate(ctx, pool, ms...)
	pool.Close()
	if err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "alter database "+pgx.Identifier{building}.Sanitize()+" rename to "+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		return fmt.Errorf("rename template: %w", err)
	}
	return nil
}

func templateName(ms []db.Migration) (string, error) {
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "schema %s\n", m.Schema)
		err := fs.WalkDir(m.Files, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(m.Files, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", p, len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("hash migrations: %w", err)
		}
	}
	return "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

func dropDatabase(ctx context.Context, dbURL string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "drop database if exists "+pgx.Identifier{name}.Sanitize()+" with (force)") //nolint:errcheck
}

func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 24 {
			break
		}
	}
	return b.String()
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "database"
	}
	return p.Redacted()
}
