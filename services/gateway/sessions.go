package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	dgw "github.com/novera-bot/novera/libs/gateway"
)

// Gateway sessions outlive the process that opened them: each shard's {session_id, seq,
// resume_url} is kept in a NATS KV bucket, written as soon as a new session has an event
// on the stream, then every SessionSaveInterval (250 ms) and once more at shutdown, so
// the next process for that shard resumes and Discord replays what it missed instead of
// losing it behind a fresh identify. A session saved with one shard count is never used
// with another (the key carries the count).

// SessionBucket holds the shards' sessions.
const SessionBucket = "gateway_sessions"

// newSessionPoll is how often a session not yet saved is looked at (see keepSession).
const newSessionPoll = 10 * time.Millisecond

// sessionTTL drops sessions that are too old to resume anyway.
const sessionTTL = 10 * time.Minute

type sessionStore struct{ kv jetstream.KeyValue }

func openSessions(ctx context.Context, js jetstream.JetStream) (*sessionStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: SessionBucket, History: 1, TTL: sessionTTL,
		Description: "Novera gateway: resumable session per shard"})
	if err != nil {
		return nil, fmt.Errorf("session bucket: %w", err)
	}
	return &sessionStore{kv: kv}, nil
}

func sessionKey(shard, count int) string { return fmt.Sprintf("shard-%d-of-%d", shard, count) }

// load returns the saved session of a shard, or nil when there is none to resume.
func (s *sessionStore) load(ctx context.Context, shard, count int) (*dgw.SessionState, error) {
	e, err := s.kv.Get(ctx, sessionKey(shard, count))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load session of shard %d: %w", shard, err)
	}
	var st dgw.SessionState
	if err := json.Unmarshal(e.Value(), &st); err != nil || !st.Resumable() {
		return nil, nil // unreadable: identify afresh rather than fail
	}
	return &st, nil
}

func (s *sessionStore) save(ctx context.Context, shard, count int, st dgw.SessionState) error {
	if !st.Resumable() {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if _, err := s.kv.Put(ctx, sessionKey(shard, count), b); err != nil {
		return fmt.Errorf("save session of shard %d: %w", shard, err)
	}
	return nil
}

func (s *sessionStore) drop(ctx context.Context, shard, count int) {
	_ = s.kv.Purge(ctx, sessionKey(shard, count))
}

// keepSession saves a shard's session every SessionSaveInterval until ctx ends, and only
// while this process holds the shard's lease: a process that lost it must not overwrite
// what the new holder saves. The sequence saved is that of the last dispatch whose
// messages the stream has (see shardPipe), so a resume never skips an unpublished event.
//
// A session not saved yet is looked at every newSessionPoll instead: until its first save,
// a process that dies loses every event Discord sends the session meanwhile, since its
// successor has nothing to resume and must identify afresh (found by the chaos run: a
// gateway killed 100 ms after READY, before its first save).
func (s *Service) keepSession(ctx context.Context, store *sessionStore, id, count int, sh *dgw.Shard, pipe *shardPipe, lease *shardLease) {
	var saved dgw.SessionState
	t := time.NewTimer(newSessionPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next := s.o.SessionSaveInterval
		if st, ok := pipe.storedAt(sh.Session()); ok && st != saved && lease.held() {
			if err := store.save(ctx, id, count, st); err != nil {
				// NATS away: try again at the usual pace, not every few milliseconds.
				s.o.Logger.WarnContext(ctx, "session not saved", "shard", id, "err", err)
				t.Reset(next)
				continue
			}
			saved = st
		}
		if cur := sh.Session(); cur.SessionID == "" || cur.SessionID != saved.SessionID {
			next = newSessionPoll
		}
		t.Reset(next)
	}
}
