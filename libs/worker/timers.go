package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/store"
)

// Durable timers are delayed commands. A handler schedules one in its transaction (so it
// exists exactly when the handler's effects do); when it is due, the service's scheduler
// publishes it on the bus as a Command with Source TIMER, and it is handled like any other
// command: exactly once, with the outbox, retries and a trace. Timers live in the service's
// own schema (the timers table comes with store.Migrate) and survive any restart.

// Schedule asks for command (one of this service's) to be delivered again at at, carrying
// key as CustomId and state as Values[0]. Scheduling a key that has not fired yet moves it.
func (r *Request) Schedule(ctx context.Context, key string, at time.Time, command, state string) error {
	_, err := r.Tx.Exec(ctx, `
		INSERT INTO `+r.schema+`.timers AS t (key, command, state, guild_id, channel_id, due_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key) DO UPDATE SET command = EXCLUDED.command, state = EXCLUDED.state, due_at = EXCLUDED.due_at
		WHERE t.fired_at IS NULL`, key, command, state, r.Cmd.GuildId, r.Cmd.ChannelId, at)
	if err != nil {
		return fmt.Errorf("schedule timer %s: %w", key, err)
	}
	return nil
}

// CancelTimer removes a timer that has not fired. Cancelling an unknown key does nothing.
func (r *Request) CancelTimer(ctx context.Context, key string) error {
	if _, err := r.Tx.Exec(ctx, `DELETE FROM `+r.schema+`.timers WHERE key = $1 AND fired_at IS NULL`, key); err != nil {
		return fmt.Errorf("cancel timer %s: %w", key, err)
	}
	return nil
}

// TimerKey returns the key of a command delivered by a timer, and its state.
func (r *Request) TimerKey() (key, state string, ok bool) {
	if r.Cmd.Source != busv1.Source_SOURCE_TIMER {
		return "", "", false
	}
	if len(r.Cmd.Values) > 0 {
		state = r.Cmd.Values[0]
	}
	return r.Cmd.CustomId, state, true
}

// scheduler publishes due timers. Replicas of a service share the table: each due row is
// claimed by one of them (FOR UPDATE SKIP LOCKED) and marked fired in the same
// transaction as its publish, and the publish's message id makes a repeat after a crash
// between the two harmless.
type scheduler struct {
	w *Worker
}

// companion runs the scheduler every interval, and at once again while timers are due
// in full batches.
func (s *scheduler) companion(interval time.Duration) Companion {
	return &periodic{name: "timer scheduler", interval: interval, round: func(ctx context.Context) bool {
		n, err := s.fire(ctx)
		if err != nil && ctx.Err() == nil {
			s.w.o.Logger.WarnContext(ctx, "timers not fired; retrying", "err", err)
		}
		return err == nil && n == timerBatch
	}}
}

const timerBatch = 100

// fire publishes the timers due now and returns how many.
func (s *scheduler) fire(ctx context.Context) (int, error) {
	w := s.w
	n := 0
	err := store.InTx(ctx, w.o.Pool, func(tx pgx.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `
			SELECT id, key, command, state, guild_id, channel_id, due_at FROM `+w.schema()+`.timers
			WHERE fired_at IS NULL AND due_at <= now() ORDER BY due_at LIMIT `+strconv.Itoa(timerBatch)+`
			FOR UPDATE SKIP LOCKED`)
		if err != nil {
			return fmt.Errorf("claim due timers: %w", err)
		}
		type due struct {
			id                                  int64
			key, command, state, guild, channel string
			at                                  time.Time
		}
		var all []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.key, &d.command, &d.state, &d.guild, &d.channel, &d.at); err != nil {
				rows.Close()
				return fmt.Errorf("read due timer: %w", err)
			}
			all = append(all, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read due timers: %w", err)
		}
		for _, d := range all {
			cmd := &busv1.Command{
				Id: "timer:" + w.o.Service + ":" + strconv.FormatInt(d.id, 10), Name: d.command,
				Source: busv1.Source_SOURCE_TIMER, CustomId: d.key, Values: []string{d.state},
				GuildId: d.guild, ChannelId: d.channel, ReceivedAt: timestamppb.New(d.at), Invoker: &busv1.Member{},
			}
			if err := s.publish(ctx, cmd); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE `+w.schema()+`.timers SET fired_at = now() WHERE id = $1`, d.id); err != nil {
				return fmt.Errorf("mark timer %d fired: %w", d.id, err)
			}
			n++
		}
		return nil
	})
	return n, err
}

func (s *scheduler) publish(ctx context.Context, cmd *busv1.Command) error {
	ctx, span := s.w.tracer.Start(ctx, "timer "+cmd.Name, trace.WithAttributes(
		attribute.String("novera.command", cmd.Name), attribute.String("novera.timer", cmd.CustomId)))
	defer span.End()
	payload, err := proto.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("encode timer %s: %w", cmd.CustomId, err)
	}
	if _, err := s.w.o.Bus.Publish(ctx, "commands."+s.w.o.Service+"."+cmd.Name, cmd.Id, payload); err != nil {
		return fmt.Errorf("publish timer %s: %w", cmd.CustomId, err)
	}
	s.w.o.Logger.DebugContext(ctx, "timer fired", slog.String("key", cmd.CustomId), slog.String("command", cmd.Name))
	return nil
}
