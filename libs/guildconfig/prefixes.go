package guildconfig

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
)

// The gateway has no database, yet it must know each guild's prefix to recognise a prefix
// command. Prefixes therefore also live in a NATS KV bucket: the community service writes
// a guild's prefix there after changing it (and rewrites them all at start-up, which
// repairs a write lost to a crash), and every gateway watches the bucket.

// PrefixBucket is the KV bucket holding non-default prefixes by guild id.
const PrefixBucket = "guild_prefixes"

func prefixBucket(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: PrefixBucket, History: 1,
		Description: "Novera: per-guild text command prefixes (PostgreSQL guildconfig is the source of truth)"})
	if err != nil {
		return nil, fmt.Errorf("guildconfig: prefix bucket: %w", err)
	}
	return kv, nil
}

// PublishPrefix records a guild's prefix for the gateways; the default removes the entry.
func PublishPrefix(ctx context.Context, js jetstream.JetStream, guildID, prefix string) error {
	kv, err := prefixBucket(ctx, js)
	if err != nil {
		return err
	}
	if prefix == "" || prefix == Defaults(guildID).Prefix() {
		err = kv.Purge(ctx, guildID)
	} else {
		_, err = kv.PutString(ctx, guildID, prefix)
	}
	if err != nil {
		return fmt.Errorf("guildconfig: publish prefix of %s: %w", guildID, err)
	}
	return nil
}

// SyncPrefixes publishes every guild's stored prefix.
func (s *Store) SyncPrefixes(ctx context.Context, js jetstream.JetStream) error {
	rows, err := s.pool.Query(ctx, `SELECT guild_id, value FROM guildconfig.guild_settings WHERE key = 'prefix'`)
	if err != nil {
		return fmt.Errorf("guildconfig: read prefixes: %w", err)
	}
	type entry struct{ guild, prefix string }
	var all []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.guild, &e.prefix); err != nil {
			rows.Close()
			return fmt.Errorf("guildconfig: read prefixes: %w", err)
		}
		all = append(all, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("guildconfig: read prefixes: %w", err)
	}
	for _, e := range all {
		if err := PublishPrefix(ctx, js, e.guild, e.prefix); err != nil {
			return err
		}
	}
	return nil
}

// Prefixes is a live view of the prefix bucket.
type Prefixes struct {
	mu      sync.RWMutex
	byGuild map[string]string
	def     string
}

// WatchPrefixes loads the bucket and keeps following it until ctx ends. It returns once
// the current contents are loaded, so no prefix command is misread after start-up.
func WatchPrefixes(ctx context.Context, js jetstream.JetStream) (*Prefixes, error) {
	kv, err := prefixBucket(ctx, js)
	if err != nil {
		return nil, err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("guildconfig: watch prefixes: %w", err)
	}
	p := &Prefixes{byGuild: map[string]string{}, def: Defaults("").Prefix()}
	loaded := make(chan struct{})
	go func() {
		defer func() { _ = w.Stop() }()
		initial := true
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				// A nil entry marks the end of the initial values.
				if e == nil {
					if initial {
						initial = false
						close(loaded)
					}
					continue
				}
				p.mu.Lock()
				if e.Operation() == jetstream.KeyValuePut {
					p.byGuild[e.Key()] = string(e.Value())
				} else {
					delete(p.byGuild, e.Key())
				}
				p.mu.Unlock()
			}
		}
	}()
	select {
	case <-loaded:
		return p, nil
	case <-ctx.Done():
		return nil, errors.Join(errors.New("guildconfig: prefixes not loaded"), ctx.Err())
	}
}

// Prefix returns a guild's prefix.
func (p *Prefixes) Prefix(guildID string) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if v, ok := p.byGuild[guildID]; ok {
		return v
	}
	return p.def
}
