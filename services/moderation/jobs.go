package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/store"
)

// The filter's effects are not answers to a command, so the worker's outbox does not
// carry them: the event handler writes them as jobs in the transaction that judges the
// message, and the runner performs them after commit. The same table holds timers (the
// warning that disappears after 30 s), so a restart mid-flow loses nothing.

// jobKind names one Discord call the runner performs.
type jobKind string

const (
	jobDeleteMessage jobKind = "delete_message"
	jobSend          jobKind = "send"
	jobTimeout       jobKind = "timeout"
	jobCleanServer   jobKind = "cleanserver"
)

// job is a job's payload. Every kind is safe to repeat: deleting a deleted message is
// "unknown message", a send carries a nonce, a timeout sets an absolute time.
type job struct {
	Kind      jobKind                `json:"kind"`
	GuildID   string                 `json:"guild_id,omitempty"`
	ChannelID string                 `json:"channel_id,omitempty"`
	MessageID string                 `json:"message_id,omitempty"`
	UserID    string                 `json:"user_id,omitempty"`
	Until     *time.Time             `json:"until,omitempty"`
	Message   *discord.MessageCreate `json:"message,omitempty"`
	// DeleteAfter, on a send, schedules the sent message's deletion (a warning that
	// disappears).
	DeleteAfter time.Duration `json:"delete_after,omitempty"`
	// CleanupID is a cleanserver run (moderation.cleanups).
	CleanupID int64 `json:"cleanup_id,omitempty"`
}

// schedule adds a job due at due, once per key.
func schedule(ctx context.Context, tx store.Tx, key string, due time.Time, j job) error {
	payload, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", key, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO moderation.jobs (key, kind, payload, due_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO NOTHING`, key, string(j.Kind), payload, due)
	if err != nil {
		return fmt.Errorf("schedule job %s: %w", key, err)
	}
	return nil
}

// runner performs due jobs. Every replica runs one; SKIP LOCKED and a lease keep two
// replicas off the same job.
type runner struct {
	pool     *pgxpool.Pool
	discord  *discord.Client
	log      *slog.Logger
	interval time.Duration
	// lease is how long a claimed job is hidden from other replicas; a replica that dies
	// mid-job leaves it to be retried after the lease.
	lease       time.Duration
	maxAttempts int
	batch       int
	// kinds are the job kinds this runner claims (all others when exclude is set): long
	// jobs (cleanserver) run in their own lane so they never hold up the filter's.
	kinds   []string
	exclude bool
	// timeout bounds one job; custom performs kinds the runner does not know itself.
	timeout time.Duration
	custom  map[jobKind]func(context.Context, claimed) error
	// keepDone is how long finished jobs stay for inspection (0: forever).
	keepDone time.Duration

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// pruneEvery spaces the deletion of old finished jobs.
const pruneEvery = 10 * time.Minute

func newRunner(pool *pgxpool.Pool, dc *discord.Client, log *slog.Logger) *runner {
	return &runner{pool: pool, discord: dc, log: log.With("component", "jobs"), interval: 100 * time.Millisecond,
		lease: time.Minute, maxAttempts: 8, batch: 32, timeout: 20 * time.Second, kinds: []string{}, exclude: true}
}

// Start begins polling. The loop outlives ctx's cancellation until Stop, like the bus
// consumers it runs beside.
func (r *runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return errors.New("moderation: job runner already started")
	}
	ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.done = make(chan struct{})
	go r.loop(ctx)
	return nil
}

// Stop ends polling and waits for the jobs in hand, within ctx.
func (r *runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("moderation: job runner did not stop: %w", ctx.Err())
	}
}

func (r *runner) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	var pruned time.Time
	for {
		if r.keepDone > 0 && time.Since(pruned) > pruneEvery {
			pruned = time.Now()
			if _, err := r.pool.Exec(ctx, `DELETE FROM moderation.jobs WHERE done_at < now() - $1::interval`, r.keepDone.String()); err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "pruning finished jobs", "err", err)
			}
		}
		for {
			n, err := r.runDue(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "running due jobs", "err", err)
			}
			if n < r.batch || err != nil || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type claimed struct {
	id       int64
	key      string
	attempts int
	job      job
}

// runDue claims up to a batch of due jobs and performs them in order.
func (r *runner) runDue(ctx context.Context) (int, error) {
	rows, err := r.pool.Query(ctx, `UPDATE moderation.jobs SET attempts = attempts + 1, due_at = now() + $1::interval
		WHERE id IN (SELECT id FROM moderation.jobs WHERE done_at IS NULL AND due_at <= now() AND (kind = ANY($3)) <> $4
			ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING id, key, attempts, payload`, r.lease.String(), r.batch, r.kinds, r.exclude)
	if err != nil {
		return 0, fmt.Errorf("claim jobs: %w", err)
	}
	var jobs []claimed
	for rows.Next() {
		var c claimed
		var payload []byte
		if err := rows.Scan(&c.id, &c.key, &c.attempts, &payload); err != nil {
			rows.Close()
			return 0, fmt.Errorf("claim jobs: %w", err)
		}
		if err := json.Unmarshal(payload, &c.job); err != nil {
			r.log.ErrorContext(ctx, "undecodable job dropped", "job", c.key, "err", err)
			c.job.Kind = ""
		}
		jobs = append(jobs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("claim jobs: %w", err)
	}
	// RETURNING does not keep the subquery's order.
	slices.SortFunc(jobs, func(a, b claimed) int { return int(a.id - b.id) })
	for _, c := range jobs {
		if ctx.Err() != nil {
			return len(jobs), ctx.Err()
		}
		r.finish(ctx, c, r.perform(ctx, c))
	}
	return len(jobs), nil
}

// perform makes one job's Discord call; follow-up jobs (the deletion of a sent warning)
// are returned to be scheduled with the job's completion.
func (r *runner) perform(ctx context.Context, c claimed) (result jobResult) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	j := c.job
	s := r.discord.Session()
	if f := r.custom[j.Kind]; f != nil {
		return jobResult{err: f(ctx, c)}
	}
	switch j.Kind {
	case jobDeleteMessage:
		err := s.ChannelMessageDelete(j.ChannelID, j.MessageID, discordgo.WithContext(ctx))
		if code, _ := discord.Code(err); code == discord.CodeUnknownMessage {
			err = nil // already gone: a moderator, the author, or an earlier attempt
		}
		return jobResult{err: err}
	case jobSend:
		m := *j.Message
		m.Nonce, m.EnforceNonce = "mod-"+strconv.FormatInt(c.id, 10), true
		sent, err := r.discord.SendMessage(ctx, j.ChannelID, &m)
		if err != nil || j.DeleteAfter <= 0 {
			return jobResult{err: err}
		}
		return jobResult{then: &followUp{key: "delete:" + sent.ChannelID + ":" + sent.ID, due: time.Now().Add(j.DeleteAfter),
			job: job{Kind: jobDeleteMessage, ChannelID: sent.ChannelID, MessageID: sent.ID}}}
	case jobTimeout:
		until := j.Until
		if until != nil && !until.After(time.Now()) {
			until = nil // ran late: the timeout is already over
		}
		return jobResult{err: s.GuildMemberTimeout(j.GuildID, j.UserID, until, discordgo.WithContext(ctx))}
	default:
		return jobResult{err: fmt.Errorf("unknown job kind %q", j.Kind), permanent: true}
	}
}

type followUp struct {
	key string
	due time.Time
	job job
}

type jobResult struct {
	err       error
	permanent bool
	then      *followUp
}

// finish records a job's outcome: done (with its follow-up), retried with back-off, or
// given up when Discord refuses for good or the attempts run out.
func (r *runner) finish(ctx context.Context, c claimed, res jobResult) {
	retry := res.err != nil && !res.permanent && discord.Transient(res.err) && c.attempts < r.maxAttempts
	if res.err != nil && !retry {
		code, status := discord.Code(res.err)
		r.log.WarnContext(ctx, "job given up", "job", c.key, "kind", c.job.Kind, "attempts", c.attempts,
			"code", code, "status", status, "err", res.err)
	}
	err := store.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		if retry {
			backoff := time.Duration(1<<min(c.attempts, 8)) * time.Second
			_, err := tx.Exec(ctx, `UPDATE moderation.jobs SET due_at = now() + $2::interval, last_error = $3 WHERE id = $1`,
				c.id, backoff.String(), res.err.Error())
			return err
		}
		var lastErr *string
		if res.err != nil {
			s := res.err.Error()
			lastErr = &s
		}
		if _, err := tx.Exec(ctx, `UPDATE moderation.jobs SET done_at = now(), last_error = $2 WHERE id = $1`, c.id, lastErr); err != nil {
			return err
		}
		if res.then != nil {
			return schedule(ctx, tx, res.then.key, res.then.due, res.then.job)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		// The lease brings the job back; repeating it is safe.
		r.log.WarnContext(ctx, "recording job outcome", "job", c.key, "err", err)
	}
}
