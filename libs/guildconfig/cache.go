package guildconfig

import (
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/store"
)

// Cache keeps guilds' settings in memory with the version they were read at, so that a
// command needs no read of them: its transaction checks instead that the version is still
// current (Unchanged), in the round trip of its first statement, and a change made
// meanwhile by anybody fails it with ErrChanged, to be run again on settings read afresh.
// A command therefore always acts on its guild's settings as they were when its
// transaction began, as when it read them then. It is safe for concurrent use.
type Cache struct {
	max int

	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	cfg     *Config
	version int64
}

// DefaultCacheSize is how many guilds a Cache holds unless told otherwise: a few hundred
// bytes each.
const DefaultCacheSize = 10_000

// NewCache returns a cache of at most max guilds (DefaultCacheSize if max <= 0).
func NewCache(max int) *Cache {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &Cache{max: max, m: map[string]cached{}}
}

// Lookup returns the cached settings of guildID and their version. The Config is shared:
// it must not be changed.
func (c *Cache) Lookup(guildID string) (cfg *Config, version int64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[guildID]
	return e.cfg, e.version, ok
}

// Forget drops guildID's settings: they changed.
func (c *Cache) Forget(guildID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, guildID)
}

func (c *Cache) put(guildID string, cfg *Config, version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[guildID]; !ok && len(c.m) >= c.max {
		for k := range c.m { // full: make room by dropping any one
			delete(c.m, k)
			break
		}
	}
	c.m[guildID] = cached{cfg: cfg, version: version}
}

// selectVersioned reads a guild's settings and their version in one snapshot: one row
// per setting, or a single row of NULLs but for the version when it has none.
const selectVersioned = `
	SELECT s.key, s.value, coalesce(v.version, 0)
	FROM (SELECT $1::text AS guild_id) g
	LEFT JOIN guildconfig.guild_versions v ON v.guild_id = g.guild_id
	LEFT JOIN guildconfig.guild_settings s ON s.guild_id = g.guild_id`

// QueueLoad is QueueGet that also keeps what it read in the cache, with its version.
func (c *Cache) QueueLoad(b *pgx.Batch, guildID string, into **Config) {
	if guildID == "" {
		*into = Defaults(guildID)
		return
	}
	b.Queue(selectVersioned, guildID).Query(func(rows pgx.Rows) error {
		defer rows.Close()
		cfg := Defaults(guildID)
		var version int64
		for rows.Next() {
			var k, v *string
			if err := rows.Scan(&k, &v, &version); err != nil {
				return fmt.Errorf("guildconfig: read %s: %w", guildID, err)
			}
			if k != nil && v != nil {
				cfg.set(*k, *v)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("guildconfig: read %s: %w", guildID, err)
		}
		*into = cfg
		c.put(guildID, cfg, version)
		return nil
	})
}

// ErrChanged is what a transaction checked with Unchanged fails with when the guild's
// settings changed since they were read: it must run again on the new ones.
var ErrChanged = errors.New("guildconfig: the guild's settings changed since they were read")

// Unchanged is the check that guildID's settings are still at version, for a transaction
// that acts on settings read before it began. It is plain SQL, no function call (a
// PL/pgSQL one cost PostgreSQL four times the read of the settings it replaces): a
// division by zero when the version moved, which the transaction reports as ErrChanged.
func Unchanged(guildID string, version int64) store.Check {
	return store.Check{
		SQL:  `SELECT 1 / (coalesce((SELECT version FROM guildconfig.guild_versions WHERE guild_id = $1), 0) = $2)::int`,
		Args: []any{guildID, version},
		Err:  ErrChanged,
	}
}
