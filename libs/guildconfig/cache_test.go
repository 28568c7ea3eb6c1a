package guildconfig

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
)

// TestCacheVersions: what QueueLoad reads is kept with its version; every change to the
// guild's settings, by whatever statement, moves the version, and then the check of the
// old one fails the transaction with ErrChanged; other guilds' checks hold.
func TestCacheVersions(t *testing.T) {
	ctx := t.Context()
	pool, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := Open(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCache(0)
	load := func(guild string) (*Config, int64) {
		t.Helper()
		var b pgx.Batch
		var cfg *Config
		c.QueueLoad(&b, guild, &cfg)
		if err := pool.SendBatch(ctx, &b).Close(); err != nil {
			t.Fatal(err)
		}
		cached, version, ok := c.Lookup(guild)
		if !ok || cached != cfg {
			t.Fatalf("%s: loaded %v, cached %v (%v)", guild, cfg, cached, ok)
		}
		return cfg, version
	}
	// check runs a transaction that checks guild's version, as a worker's does.
	check := func(guild string, version int64) error {
		t.Helper()
		return store.InTx(ctx, pool, func(tx pgx.Tx) error { return Unchanged(guild, version).Exec(ctx, tx) })
	}
	cfg, v0 := load("1")
	if v0 != 0 || cfg.Prefix() != "!" {
		t.Fatalf("a guild that never changed anything: version %d, prefix %q", v0, cfg.Prefix())
	}
	if err := check("1", v0); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	_, other := load("2")
	for _, change := range []struct {
		name string
		do   func() error
	}{
		{"a setting set", func() error { _, err := s.Set(ctx, "1", "prefix", "?", "7"); return err }},
		{"a setting set again", func() error { _, err := s.Set(ctx, "1", "prefix", "%", "7"); return err }},
		{"a second setting", func() error { _, err := s.Set(ctx, "1", "sassy", "off", "7"); return err }},
		{"a setting deleted", func() error {
			_, err := pool.Exec(ctx, `DELETE FROM guildconfig.guild_settings WHERE guild_id = '1' AND key = 'sassy'`)
			return err
		}},
		{"an update by hand", func() error {
			_, err := pool.Exec(ctx, `UPDATE guildconfig.guild_settings SET value = '$' WHERE guild_id = '1'`)
			return err
		}},
		{"the table truncated", func() error {
			if _, err := pool.Exec(ctx, `TRUNCATE guildconfig.guild_settings`); err != nil {
				return err
			}
			_, err := s.Set(ctx, "2", "prefix", "?", "7") // 2 keeps its checks failing below
			return err
		}},
	} {
		t.Run(change.name, func(t *testing.T) {
			_, before := load("1")
			if err := change.do(); err != nil {
				t.Fatal(err)
			}
			err := check("1", before)
			if !errors.Is(err, ErrChanged) {
				t.Fatalf("the check of version %d after %s: %v, want a change", before, change.name, err)
			}
			if _, after := load("1"); after == before {
				t.Fatalf("version still %d after %s", after, change.name)
			} else if err := check("1", after); err != nil {
				t.Fatalf("the new version %d: %v", after, err)
			}
		})
	}
	if err := check("2", other); !errors.Is(err, ErrChanged) {
		t.Fatalf("guild 2 changed after the truncate: %v", err)
	}
	if cfg, _ := load("1"); cfg.Prefix() != "!" {
		t.Fatalf("after the truncate guild 1's prefix is %q", cfg.Prefix())
	}
	if err := check("3", 0); err != nil {
		t.Fatalf("a guild never seen, version 0: %v", err)
	}
}

func TestCacheBounded(t *testing.T) {
	c := NewCache(3)
	for i := range 10 {
		c.put(fmt.Sprint(i), Defaults(fmt.Sprint(i)), int64(i))
	}
	if len(c.m) != 3 {
		t.Fatalf("%d guilds held, want at most 3", len(c.m))
	}
	if cfg, v, ok := c.Lookup("9"); !ok || v != 9 || cfg.GuildID != "9" {
		t.Fatalf("the last one put: %v %d %v", cfg, v, ok)
	}
	c.Forget("9")
	if _, _, ok := c.Lookup("9"); ok {
		t.Fatal("forgotten, still there")
	}
}
