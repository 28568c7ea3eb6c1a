package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
	dgw "github.com/novera-bot/novera/libs/gateway"
)

// assignShards picks the shards this process serves: SHARD_IDS when given, else the range
// of its StatefulSet ordinal ([N*count/replicas, (N+1)*count/replicas), as deploy/k8s
// documents), else all of them.
func assignShards(ids []int, count, replicas, ordinal int) ([]int, error) {
	if len(ids) == 0 {
		lo, hi := 0, count
		if replicas > 0 {
			lo, hi = ordinal*count/replicas, (ordinal+1)*count/replicas
		}
		for i := lo; i < hi; i++ {
			ids = append(ids, i)
		}
	}
	for _, id := range ids {
		if id < 0 || id >= count {
			return nil, fmt.Errorf("shard %d is outside 0..%d", id, count-1)
		}
	}
	return ids, nil
}

// shardRun is what every shard of one Run shares.
type shardRun struct {
	s        *Service
	url      string
	count    int
	sessions *sessionStore
	leases   *leaseStore
	limiter  *identifyLimiter
}

// shard serves one shard until ctx ends: it waits for the shard's lease, resumes the
// session the previous holder saved, and runs the shard while the lease holds. A lost
// lease stops the shard (another process has it now) and the wait starts again.
func (r *shardRun) shard(ctx context.Context, id int) {
	s := r.s
	log := s.o.Logger.With("shard", id)
	for ctx.Err() == nil {
		lease, err := r.leases.acquireShard(ctx, id, r.count, func(holder string) {
			log.Info("shard held by another gateway; standing by", "holder", holder)
			s.setStandby(id, holder)
		})
		if err != nil {
			return // ctx ended
		}
		s.setStandby(id, "")
		if !r.serve(ctx, id, lease, log) {
			return
		}
	}
}

// serve runs the shard under a held lease. It reports whether to wait for the lease again
// (it was lost) rather than stop (shutdown, or Discord refused the shard for good).
func (r *shardRun) serve(ctx context.Context, id int, lease *shardLease, log *slog.Logger) bool {
	s := r.s
	takeover := time.Now()
	resume, err := r.sessions.load(ctx, id, r.count)
	if err != nil {
		// Without the saved session the shard identifies afresh: a loss of replay, not
		// of service.
		log.Warn("saved session unavailable", "err", err)
	}
	shardCtx, stopShard := context.WithCancel(ctx)
	defer stopShard()
	pipe := newShardPipe(s)
	// Every dispatch is published only under a valid lease: past it the handler waits
	// for a renewal, or stops the shard without handing the event on (the shard keeps its
	// sequence, so whoever resumes next gets the event replayed).
	handler := func(hctx context.Context, d dgw.Dispatch) error {
		if err := lease.await(hctx); err != nil {
			stopShard()
			return err
		}
		return s.receive(hctx, d, viaGateway, pipe)
	}
	sh, err := dgw.NewShard(dgw.Config{
		Token: s.o.Token, URL: r.url, ShardID: id, ShardCount: r.count, Intents: s.o.Intents,
		Compress: s.o.Compress, Logger: s.o.Logger, Resume: resume, IdentifyLimiter: r.limiter,
		Presence: &dgw.Presence{Status: "online", Activities: []dgw.Activity{{Name: s.o.Presence, Type: dgw.ActivityListening}}},
		Peek:     s.peek,
	}, handler)
	if err != nil {
		log.Error("shard not started", "err", err)
		pipe.close(0)
		lease.release(context.WithoutCancel(ctx))
		<-ctx.Done()
		return false
	}
	s.mu.Lock()
	s.shards[id] = sh
	s.mu.Unlock()

	var wg sync.WaitGroup
	keepCtx, stopKeep := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() {
		lease.keep(keepCtx, func() {
			log.Warn("shard lease lost; stopping the shard so its new holder alone serves it")
			stopShard()
		})
	})
	wg.Go(func() { s.keepSession(shardCtx, r.sessions, id, r.count, sh, pipe, lease) })
	wg.Go(func() { s.adopt(shardCtx, id, takeover) })
	err = sh.Run(shardCtx)
	// The shard sends nothing more. At shutdown its last acks are awaited briefly; with
	// the lease lost nothing more may be published at all.
	if ctx.Err() != nil || errors.As(err, new(*dgw.FatalError)) {
		pipe.close(time.Second)
	} else {
		pipe.close(0)
	}

	var fatal *dgw.FatalError
	switch {
	case errors.As(err, &fatal):
		// Keep the lease until shutdown: another process taking the shard would be
		// refused the same way, and the cause (a token, intents) needs a person.
		log.Error("shard stopped for good; fix the cause and restart", "reason", fatal.Error())
		r.sessions.drop(context.WithoutCancel(ctx), id, r.count)
		<-ctx.Done()
		stopKeep()
		wg.Wait()
		lease.release(context.WithoutCancel(ctx))
		return false
	case ctx.Err() != nil:
		// Shutdown: the shard closed with a resumable code. Leave its last position for
		// the next process and hand the lease over at once, within a short deadline (a
		// pod has a grace period to respect).
		stopKeep()
		wg.Wait()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if st, ok := pipe.storedAt(sh.Session()); ok && lease.held() {
			if err := r.sessions.save(sctx, id, r.count, st); err != nil {
				log.Warn("session not saved at shutdown", "err", err)
			}
		}
		lease.release(sctx)
		return false
	default:
		// The lease was lost: the new holder resumes from the session we last saved.
		stopKeep()
		wg.Wait()
		s.mu.Lock()
		delete(s.shards, id)
		s.mu.Unlock()
		return true
	}
}

func (s *Service) setStandby(id int, holder string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if holder == "" {
		delete(s.standby, id)
	} else {
		s.standby[id] = holder
		delete(s.shards, id)
	}
}

// sessionStarts tracks Discord's session_start_limit: identifies left until reset.
// Resumes do not count; every identify does.
type sessionStarts struct {
	dc  *discord.Client
	log *slog.Logger

	mu        sync.Mutex
	known     bool // Discord reported a limit
	remaining int
	resetAt   time.Time
}

func newSessionStarts(dc *discord.Client, gb *discordgo.GatewayBotResponse, log *slog.Logger) *sessionStarts {
	st := &sessionStarts{dc: dc, log: log}
	st.update(gb)
	return st
}

func (st *sessionStarts) update(gb *discordgo.GatewayBotResponse) {
	l := gb.SessionStartLimit
	st.known = l.Total > 0
	st.remaining = l.Remaining
	st.resetAt = time.Now().Add(time.Duration(l.ResetAfter) * time.Millisecond)
}

// wait takes one session start, or says how long until one is available.
func (st *sessionStarts) wait(ctx context.Context) (time.Duration, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.known {
		return 0, nil
	}
	if st.remaining <= 0 && time.Now().After(st.resetAt) {
		gb, err := st.dc.GatewayBot(ctx)
		if err != nil {
			return 0, fmt.Errorf("refresh session start limit: %w", err)
		}
		st.update(gb)
	}
	if st.remaining > 0 {
		st.remaining--
		return 0, nil
	}
	wait := time.Until(st.resetAt)
	st.log.Warn("session start limit reached; waiting for Discord's reset before identifying", "wait", wait)
	return max(wait, time.Second), nil
}

// Ordinal reads a StatefulSet pod's ordinal from its name (gateway-2 → 2), for
// GATEWAY_REPLICAS > 0; without replicas it is 0.
func Ordinal(podName string, replicas int) (int, error) {
	if replicas <= 0 {
		return 0, nil
	}
	i := strings.LastIndexByte(podName, '-')
	n, err := strconv.Atoi(podName[i+1:])
	if i < 0 || err != nil || n < 0 {
		return 0, fmt.Errorf("GATEWAY_REPLICAS=%d needs POD_NAME to end in the pod's ordinal (gateway-0), got %q", replicas, podName)
	}
	if n >= replicas {
		return 0, fmt.Errorf("POD_NAME %q: ordinal %d is not below GATEWAY_REPLICAS=%d", podName, n, replicas)
	}
	return n, nil
}
