package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrMigrationChanged means a migration file differs from the one applied under its
// version. Applied migrations are history: change the schema with a new file instead.
var ErrMigrationChanged = errors.New("store: applied migration has changed")

// ErrMigrationOrder means a new migration has a lower version than one already applied,
// typically after a merge; renumber it above the highest applied version.
var ErrMigrationOrder = errors.New("store: migration is older than an applied one")

// baseMigrations are this package's own tables (handled_events, timers), which Migrate puts in
// every service schema before the service's migrations.
//
//go:embed migrations/*.sql
var baseMigrations embed.FS

// Ledgers: schema_migrations records the service's files, store_migrations this
// package's, so that their version numbers never meet.
const (
	serviceLedger = "schema_migrations"
	baseLedger    = "store_migrations"
)

// migration is one NNNN_name.sql file.
type migration struct {
	version  int
	name     string // "0001_init.sql"
	sql      string
	checksum string // sha256 of the file, hex
}

// Migrate brings schema up to date: it creates the schema if needed, then applies, in
// version order, this package's base migrations (the handled_events table) and every
// NNNN_name.sql file at the root of migrations (use fs.Sub for an embed.FS whose files
// sit in a directory) that has not been applied yet.
//
// Each file runs in its own transaction with search_path set to the schema, so it can
// create its tables unqualified, and is recorded in <schema>.schema_migrations with its
// checksum. A file that no longer matches the applied one is an error
// (ErrMigrationChanged), as is a new file numbered below an applied one
// (ErrMigrationOrder). Applied versions with no file are allowed: during a rolling
// deployment the older replicas start next to a newer schema.
//
// Replicas starting together are safe: they take turns through a PostgreSQL advisory
// lock keyed by the schema name, and later ones find nothing left to do. Files must not
// manage transactions themselves (no BEGIN/COMMIT, no CREATE INDEX CONCURRENTLY).
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema string, migrations fs.FS) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	base, err := loadMigrations(mustSub(baseMigrations, "migrations"))
	if err != nil {
		return err
	}
	own, err := loadMigrations(migrations)
	if err != nil {
		return err
	}

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", schema, err)
	}
	key := migrationLockKey(schema)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		conn.Release()
		return fmt.Errorf("store: migrate %s: wait for the migration lock: %w", schema, err)
	}
	defer unlock(ctx, conn, key)

	if err := createSchema(ctx, conn.Conn(), schema); err != nil {
		return err
	}
	if err := apply(ctx, conn.Conn(), schema, baseLedger, base); err != nil {
		return err
	}
	return apply(ctx, conn.Conn(), schema, serviceLedger, own)
}

// migrationLockKey turns the schema name into an advisory lock key of its own.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("novera/store.Migrate:" + schema))
	return int64(h.Sum64())
}

// unlock releases the advisory lock, or, if it cannot, closes the session, which
// releases it too: a lock left on a pooled connection would block every later Migrate.
func unlock(ctx context.Context, conn *pgxpool.Conn, key int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		_ = conn.Hijack().Close(ctx)
		return
	}
	conn.Release()
}

// createSchema creates the schema and its ledgers if missing. It looks before it creates:
// CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database even when the
// schema exists, and a production role may only own its pre-made schema.
func createSchema(ctx context.Context, conn *pgx.Conn, schema string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		return fmt.Errorf("store: migrate %s: %w", schema, err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return fmt.Errorf("store: create schema %s: %w", schema, err)
		}
	}
	for _, ledger := range []string{baseLedger, serviceLedger} {
		ddl := `CREATE TABLE IF NOT EXISTS ` + qualify(schema, ledger) + ` (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			checksum   text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`
		if _, err := conn.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("store: migrate %s: create %s: %w", schema, ledger, err)
		}
	}
	return nil
}

// apply runs the migrations not yet in the ledger, after checking all of them.
func apply(ctx context.Context, conn *pgx.Conn, schema, ledger string, migrations []migration) error {
	applied, err := appliedMigrations(ctx, conn, schema, ledger)
	if err != nil {
		return err
	}
	highest := 0
	for v := range applied {
		highest = max(highest, v)
	}
	var pending []migration
	for _, m := range migrations {
		if sum, ok := applied[m.version]; ok {
			if sum != m.checksum {
				return fmt.Errorf("%w: %s in schema %s (checksum %.12s, applied %.12s)", ErrMigrationChanged, m.name, schema, m.checksum, sum)
			}
			continue
		}
		if m.version < highest {
			return fmt.Errorf("%w: %s in schema %s, whose %s has reached version %d", ErrMigrationOrder, m.name, schema, ledger, highest)
		}
		pending = append(pending, m)
	}

	for _, m := range pending {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+pgx.Identifier{schema}.Sanitize()); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO "+qualify(schema, ledger)+" (version, name, checksum) VALUES ($1, $2, $3)",
				m.version, m.name, m.checksum)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate %s: %s: %w", schema, m.name, err)
		}
	}
	return nil
}

func appliedMigrations(ctx context.Context, conn *pgx.Conn, schema, ledger string) (map[int]string, error) {
	rows, err := conn.Query(ctx, "SELECT version, checksum FROM "+qualify(schema, ledger))
	if err != nil {
		return nil, fmt.Errorf("store: migrate %s: read %s: %w", schema, ledger, err)
	}
	applied := map[int]string{}
	var version int
	var checksum string
	_, err = pgx.ForEachRow(rows, []any{&version, &checksum}, func() error {
		applied[version] = checksum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: migrate %s: read %s: %w", schema, ledger, err)
	}
	return applied, nil
}

// loadMigrations reads the NNNN_name.sql files at the root of fsys, in version order.
// Other files (a README, say) are ignored; a .sql file not named so is an error, as it
// would otherwise be silently skipped.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		version, err := migrationVersion(e.Name())
		if err != nil {
			return nil, err
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("store: migrations %s and %s share version %d", other, e.Name(), version)
		}
		seen[version] = e.Name()
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("store: read migration: %w", err)
		}
		sum := sha256.Sum256(data)
		ms = append(ms, migration{version: version, name: e.Name(), sql: string(data), checksum: hex.EncodeToString(sum[:])})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// migrationVersion reads 12 from "0012_add_index.sql".
func migrationVersion(name string) (int, error) {
	digits, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
	version, err := strconv.Atoi(digits)
	if !ok || rest == "" || err != nil || version <= 0 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("store: migration %q is not named NNNN_name.sql (a positive version, then a name)", name)
	}
	return version, nil
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // only for a bad constant dir name: a programming error
	}
	return sub
}

// Sub roots embedded migrations kept in a directory, for Migrate. The directory is fixed
// at compile time, so a failure is a build mistake and panics.
func Sub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(fmt.Sprintf("store: migrations directory %q: %v", dir, err))
	}
	return sub
}
