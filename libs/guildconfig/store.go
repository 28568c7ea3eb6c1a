package guildconfig

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/store"
)

// Schema is the PostgreSQL schema that holds the settings.
const Schema = "guildconfig"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store reads and writes guild settings.
type Store struct {
	pool *pgxpool.Pool
}

// Open migrates the schema (safe from many processes at once) and returns a store.
func Open(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if err := store.Migrate(ctx, pool, Schema, store.Sub(migrationFiles, "migrations")); err != nil {
		return nil, fmt.Errorf("guildconfig: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Get returns a guild's configuration with defaults for everything it never set.
func (s *Store) Get(ctx context.Context, guildID string) (*Config, error) {
	return GetIn(ctx, s.pool, guildID)
}

// Queryer is a pool or a transaction.
type Queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// selectSettings reads a guild's stored settings.
const selectSettings = `SELECT key, value FROM guildconfig.guild_settings WHERE guild_id = $1`

// GetIn is Get on the caller's transaction. Code that holds a transaction must read
// through it: asking the pool for a second connection while holding one deadlocks once
// every connection is held that way.
func GetIn(ctx context.Context, db Queryer, guildID string) (*Config, error) {
	if guildID == "" {
		return Defaults(guildID), nil
	}
	rows, err := db.Query(ctx, selectSettings, guildID)
	if err != nil {
		return nil, fmt.Errorf("guildconfig: read %s: %w", guildID, err)
	}
	return scan(guildID, rows)
}

// QueueGet adds the read of a guild's configuration to b, for a caller that sends it with
// statements of its own in one round trip. *into is set when b's results are read (pgx
// calls back as the batch is closed); it stays nil if the read fails.
func QueueGet(b *pgx.Batch, guildID string, into **Config) {
	if guildID == "" {
		*into = Defaults(guildID)
		return
	}
	b.Queue(selectSettings, guildID).Query(func(rows pgx.Rows) error {
		c, err := scan(guildID, rows)
		*into = c
		return err
	})
}

// scan reads the rows of selectSettings over the defaults, and closes them.
func scan(guildID string, rows pgx.Rows) (*Config, error) {
	defer rows.Close()
	c := Defaults(guildID)
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("guildconfig: read %s: %w", guildID, err)
		}
		c.set(k, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("guildconfig: read %s: %w", guildID, err)
	}
	return c, nil
}

// ErrUnknownKey is returned by Set for a name that is not a setting.
var ErrUnknownKey = errors.New("unknown setting")

// Set validates and stores one setting. It returns the stored form of the value.
func (s *Store) Set(ctx context.Context, guildID, key, value, actor string) (string, error) {
	return SetIn(ctx, s.pool, guildID, key, value, actor)
}

// Execer is a pool or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// SetIn is Set inside the caller's transaction, so a command's change of a setting
// commits together with the record that the command was handled.
func SetIn(ctx context.Context, db Execer, guildID, key, value, actor string) (string, error) {
	k, ok := Lookup(key)
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownKey, key)
	}
	v, err := k.Normalize(value)
	if err != nil {
		return "", err
	}
	_, err = db.Exec(ctx, `
		INSERT INTO guildconfig.guild_settings (guild_id, key, value, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (guild_id, key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		guildID, k.Name, v, actor)
	if err != nil {
		return "", fmt.Errorf("guildconfig: set %s for %s: %w", k.Name, guildID, err)
	}
	return v, nil
}
