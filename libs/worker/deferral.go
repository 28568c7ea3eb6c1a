package worker

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
)

// Discord gives an interaction three seconds for its first response. A command that is
// still being handled after DeferAfter (or that was picked up late, behind a backlog)
// first sends the "thinking…" frame, a deferred response; its answer then becomes an edit
// of that frame (discord.Client.Answer). A prefix command shows "typing…" instead.

// interactionBudget is how long after Discord sent an interaction we still dare answer it
// directly; past it the deferral goes out at once.
const interactionBudget = 2 * time.Second

// commandAckWait is how long the bus waits for a command's outcome before another replica
// gets it: short, so a crashed replica's interactions still meet their deadline there.
const commandAckWait = 2 * time.Second

// deferNow sends the thinking frame of an interaction at once (a slash command or modal;
// see thinkLater), for a command that failed and goes back to the bus for a retry. If the
// interaction was already answered or deferred, Discord's 40060 makes it a no-op.
func (w *Worker) deferNow(ctx context.Context, cmd *busv1.Command) {
	if cmd.InteractionId == "" || cmd.Source == busv1.Source_SOURCE_COMPONENT || expired(cmd) {
		return
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	err := w.o.Discord.Session().InteractionRespond(&discordgo.Interaction{ID: cmd.InteractionId, Token: cmd.InteractionToken},
		&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, discordgo.WithContext(fctx))
	if err == nil {
		w.deferred.Inc()
		w.announce(ctx, bus.SubjectAcknowledged, cmd.InteractionId)
		return
	}
	w.o.Logger.DebugContext(ctx, "thinking frame not sent", "command", cmd.Name, "err", err)
}

// thinking is a command's pending thinking frame (thinkLater).
type thinking struct {
	timer *time.Timer
	done  chan struct{} // closed once the frame's attempt has finished, if it began
	fired atomic.Bool
	// acked: the interaction is acknowledged, by this frame or (Discord's 40060) by
	// someone else, the gateway's deadline guard above all: its answer must be an edit.
	acked atomic.Bool
}

// stop cancels the frame if it has not begun, or waits for its attempt to finish (within
// its own 2 s bound), and reports whether the interaction is known to be acknowledged.
// Waiting costs one round trip at most, and saves the answer's callback that Discord
// would refuse (under a backlog every command is deferred, and each refused callback was
// a third REST call per answer). Safe to call more than once.
func (th *thinking) stop() (acked bool) {
	if th == nil {
		return false
	}
	if th.timer.Stop() {
		return false
	}
	if th.fired.Load() {
		<-th.done
	}
	return th.acked.Load()
}

// thinkLater sends the thinking frame if the command is not answered before its delay.
// It never blocks the handler.
func (w *Worker) thinkLater(ctx context.Context, cmd *busv1.Command) *thinking {
	if cmd.Source == busv1.Source_SOURCE_TIMER || cmd.Source == busv1.Source_SOURCE_EVENT || cmd.Source == busv1.Source_SOURCE_COMPONENT {
		// Timers and events answer nobody; component handlers update their own message,
		// which a deferral would replace with a new one.
		return nil
	}
	delay := w.o.DeferAfter
	if cmd.InteractionId != "" && cmd.ReceivedAt != nil {
		if left := interactionBudget - time.Since(cmd.ReceivedAt.AsTime()); left < delay {
			delay = max(left, 0)
		}
	}
	th := &thinking{done: make(chan struct{})}
	th.timer = time.AfterFunc(delay, func() {
		th.fired.Store(true)
		defer close(th.done)
		// The frame outlives the handler's context only as long as Discord needs to take it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		var err error
		if cmd.InteractionId != "" {
			err = w.o.Discord.Session().InteractionRespond(&discordgo.Interaction{ID: cmd.InteractionId, Token: cmd.InteractionToken},
				&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, discordgo.WithContext(fctx))
			code, _ := discord.Code(err)
			th.acked.Store(err == nil || code == discord.CodeAlreadyAcknowledged)
		} else if cmd.ChannelId != "" {
			err = w.o.Discord.Typing(fctx, cmd.ChannelId)
		}
		if err != nil {
			// 40060: the answer won the race, or the gateway deferred the interaction.
			w.o.Logger.DebugContext(ctx, "thinking frame not sent", "command", cmd.Name, "err", err)
		} else {
			w.deferred.Inc()
			w.announce(ctx, bus.SubjectAcknowledged, cmd.InteractionId)
		}
	})
	return th
}
