package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Two gateway processes must never run the same shard: both would publish every event
// (the stream's deduplication would hide most of it, but not their two sessions fighting
// over one resume). So a process runs a shard only while it holds the shard's lease, a key
// in the NATS KV bucket gateway_leases, and every change of a lease is revision-checked:
// taking a lease that someone renewed in between fails.
//
// Fencing: the holder renews every TTL/3 and considers its lease valid only until the time
// it sent its last successful renewal plus TTL minus leaseMargin; the others consider it
// taken until that renewal's stamp plus TTL. The holder therefore stops publishing for the
// shard (it stops the shard, which closes with a resumable code) strictly before another
// process may take it, as long as the hosts' clocks agree within leaseMargin.
//
// A holder is named by its pod (POD_NAME in a StatefulSet, where one name never runs
// twice), so a restarted pod takes its own shards back at once instead of waiting out its
// dead predecessor's lease; processes without a pod name use host and pid.

// LeaseBucket holds the shard and identify leases.
const LeaseBucket = "gateway_leases"

// DefaultLeaseTTL is how long a lease lasts without renewal: how long a shard stays
// unserved when its holder dies and another process must take it over.
const DefaultLeaseTTL = 10 * time.Second

// leaseMargin is the clock difference between hosts the fencing tolerates.
const leaseMargin = 500 * time.Millisecond

// errLeaseLost ends a shard's run when its lease is gone.
var errLeaseLost = errors.New("shard lease lost")

// leaseRecord is a lease's value in the bucket.
type leaseRecord struct {
	Holder string `json:"holder"`
	// Expires is in Unix milliseconds, by the holder's clock.
	Expires int64 `json:"expires"`
}

type leaseStore struct {
	kv     jetstream.KeyValue
	holder string
	ttl    time.Duration
}

func openLeases(ctx context.Context, js jetstream.JetStream, holder string, ttl time.Duration) (*leaseStore, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LeaseBucket, History: 1,
		Description: "Novera gateway: which process runs each shard, and identify pacing"})
	if err != nil {
		return nil, fmt.Errorf("lease bucket: %w", err)
	}
	return &leaseStore{kv: kv, holder: holder, ttl: ttl}, nil
}

// tryTake takes key for ttl if it is free, expired, or already ours (a previous life of
// this pod). It returns the new revision, or 0 and the current holder when someone else
// holds it.
func (l *leaseStore) tryTake(ctx context.Context, key string, ttl time.Duration) (rev uint64, holder string, err error) {
	val := func() []byte {
		b, _ := json.Marshal(leaseRecord{Holder: l.holder, Expires: time.Now().Add(ttl).UnixMilli()})
		return b
	}
	e, err := l.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		rev, err := l.kv.Create(ctx, key, val())
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyExists) {
				return 0, "", nil // someone was quicker; look again next time
			}
			return 0, "", fmt.Errorf("take lease %s: %w", key, err)
		}
		return rev, l.holder, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read lease %s: %w", key, err)
	}
	var cur leaseRecord
	// An unreadable value is treated as expired: it can only be taken by a revision check.
	_ = json.Unmarshal(e.Value(), &cur)
	if cur.Holder != l.holder && time.Now().UnixMilli() < cur.Expires {
		return 0, cur.Holder, nil
	}
	rev, err = l.kv.Update(ctx, key, val(), e.Revision())
	if err != nil {
		if isRevisionMismatch(err) {
			return 0, "", nil
		}
		return 0, "", fmt.Errorf("take lease %s: %w", key, err)
	}
	return rev, l.holder, nil
}

func isRevisionMismatch(err error) bool {
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// shardLease is a held lease on one shard, renewed in the background.
type shardLease struct {
	store *leaseStore
	key   string

	mu    sync.Mutex
	rev   uint64
	valid time.Time // our own deadline: stop before this
	lost  bool
	// changed is closed and replaced whenever valid or lost changes.
	changed chan struct{}
}

// acquireShard waits until this process holds the shard's lease, checking every TTL/4.
// onWait is called once with the holder when the shard is held by someone else.
func (l *leaseStore) acquireShard(ctx context.Context, shard, count int, onWait func(holder string)) (*shardLease, error) {
	key := fmt.Sprintf("shard-%d-of-%d", shard, count)
	told := ""
	for {
		sent := time.Now()
		rev, holder, err := l.tryTake(ctx, key, l.ttl)
		if err == nil && rev != 0 {
			return &shardLease{store: l, key: key, rev: rev, valid: sent.Add(l.ttl - leaseMargin), changed: make(chan struct{})}, nil
		}
		if err == nil && holder != "" && holder != told && onWait != nil {
			onWait(holder)
			told = holder
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(l.ttl / 4):
		}
	}
}

// keep renews the lease every TTL/3 until ctx ends or the lease is lost; onLost runs once
// when it is lost (another process renewed or took it, or renewals failed past validity).
func (sl *shardLease) keep(ctx context.Context, onLost func()) {
	t := time.NewTicker(sl.store.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sent := time.Now()
		b, _ := json.Marshal(leaseRecord{Holder: sl.store.holder, Expires: sent.Add(sl.store.ttl).UnixMilli()})
		sl.mu.Lock()
		rev := sl.rev
		sl.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, sl.store.ttl/3)
		newRev, err := sl.store.kv.Update(rctx, sl.key, b, rev)
		cancel()
		var ownRev uint64
		if isRevisionMismatch(err) {
			ownRev = sl.ownWrite(ctx)
		}
		sl.mu.Lock()
		switch {
		case err == nil:
			sl.rev, sl.valid = newRev, sent.Add(sl.store.ttl-leaseMargin)
		case ownRev != 0:
			// A renewal of ours that timed out had landed after all: carry on from it
			// (its validity is not assumed; the next renewal extends it).
			sl.rev = ownRev
		case isRevisionMismatch(err):
			sl.lost = true // someone else wrote it: it is theirs now
		case time.Now().After(sl.valid):
			sl.lost = true // NATS away too long: others may take it any moment
		}
		lost := sl.lost
		close(sl.changed)
		sl.changed = make(chan struct{})
		sl.mu.Unlock()
		if lost {
			onLost()
			return
		}
	}
}

// ownWrite returns the revision of the lease's current value if it is ours (a renewal
// whose answer was lost), else 0. A holder name never runs twice at once (a StatefulSet
// pod name), so a value with our name is our own write.
func (sl *shardLease) ownWrite(ctx context.Context) uint64 {
	gctx, cancel := context.WithTimeout(ctx, sl.store.ttl/3)
	defer cancel()
	e, err := sl.store.kv.Get(gctx, sl.key)
	if err != nil {
		return 0
	}
	var cur leaseRecord
	if json.Unmarshal(e.Value(), &cur) != nil || cur.Holder != sl.store.holder {
		return 0
	}
	return e.Revision()
}

// await returns nil while the lease is valid. Past its validity (renewals failing) it waits
// for a renewal, and returns errLeaseLost once the lease is lost or ctx ends.
func (sl *shardLease) await(ctx context.Context) error {
	for {
		sl.mu.Lock()
		valid, lost, ch := sl.valid, sl.lost, sl.changed
		sl.mu.Unlock()
		if lost {
			return errLeaseLost
		}
		left := time.Until(valid)
		if left > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return errLeaseLost
		case <-ch:
		}
	}
}

// held reports whether the lease is valid now.
func (sl *shardLease) held() bool {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return !sl.lost && time.Now().Before(sl.valid)
}

// release gives the lease up (a clean shutdown), so a successor need not wait it out.
func (sl *shardLease) release(ctx context.Context) {
	sl.mu.Lock()
	rev, lost := sl.rev, sl.lost
	sl.lost = true
	sl.mu.Unlock()
	if !lost {
		_ = sl.store.kv.Delete(ctx, sl.key, jetstream.LastRevision(rev))
	}
}

// identifyLimiter paces identifies across every gateway process: Discord allows one
// identify per max_concurrency bucket (shard_id % max_concurrency) per 5 seconds. Each
// identify first takes the bucket's lease for 5 s (and a slack), and a lease is never released early:
// its expiry is the pacing. It also waits out an exhausted session_start_limit.
type identifyLimiter struct {
	store          *leaseStore
	maxConcurrency int
	// startsLeft reports whether a session may start now, and if not how long to wait.
	startsLeft func(ctx context.Context) (time.Duration, error)
}

// identifyInterval is Discord's identify pacing per bucket.
const identifyInterval = 5 * time.Second

// identifySlack lengthens a bucket's lease beyond identifyInterval: Discord counts from
// when it receives an identify, which comes after the lease is taken (the connection, its
// HELLO, a busy machine), so a lease of exactly 5 s let the next process's identify arrive
// a little early and be refused.
const identifySlack = time.Second

// Wait implements dgw.IdentifyLimiter.
func (il *identifyLimiter) Wait(ctx context.Context, shardID int) error {
	if il.startsLeft != nil {
		for {
			wait, err := il.startsLeft(ctx)
			if err != nil {
				return err
			}
			if wait <= 0 {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	key := fmt.Sprintf("identify-%d", shardID%max(il.maxConcurrency, 1))
	for {
		// Taking the bucket for a new identify must not count "ours" as free: this
		// process's own previous identify paces the next one too.
		e, err := il.store.kv.Get(ctx, key)
		var cur leaseRecord
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			b, _ := json.Marshal(leaseRecord{Holder: il.store.holder, Expires: time.Now().Add(identifyInterval + identifySlack).UnixMilli()})
			if _, err := il.store.kv.Create(ctx, key, b); err == nil {
				return nil
			} else if !errors.Is(err, jetstream.ErrKeyExists) {
				return fmt.Errorf("identify bucket %s: %w", key, err)
			}
		case err != nil:
			return fmt.Errorf("identify bucket %s: %w", key, err)
		default:
			_ = json.Unmarshal(e.Value(), &cur)
			if wait := time.Until(time.UnixMilli(cur.Expires)); wait > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(wait):
				}
				continue
			}
			b, _ := json.Marshal(leaseRecord{Holder: il.store.holder, Expires: time.Now().Add(identifyInterval + identifySlack).UnixMilli()})
			if _, err := il.store.kv.Update(ctx, key, b, e.Revision()); err == nil {
				return nil
			} else if !isRevisionMismatch(err) {
				return fmt.Errorf("identify bucket %s: %w", key, err)
			}
		}
		// Someone took the bucket between our read and our write: look again.
	}
}
