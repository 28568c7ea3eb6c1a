package worker

import (
	"context"
	"github.com/novera-bot/novera/libs/bus"
	"time"

	"github.com/bwmarrin/discordgo"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
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

// thinkLater sends the thinking frame if the command is not answered before its delay,
// and returns a function that cancels it. It never blocks the handler.
func (w *Worker) thinkLater(ctx context.Context, cmd *busv1.Command) (stop func()) {
	if cmd.Source == busv1.Source_SOURCE_TIMER || cmd.Source == busv1.Source_SOURCE_EVENT || cmd.Source == busv1.Source_SOURCE_COMPONENT {
		// Timers and events answer nobody; component handlers update their own message,
		// which a deferral would replace with a new one.
		return func() {}
	}
	delay := w.o.DeferAfter
	if cmd.InteractionId != "" && cmd.ReceivedAt != nil {
		if left := interactionBudget - time.Since(cmd.ReceivedAt.AsTime()); left < delay {
			delay = max(left, 0)
		}
	}
	t := time.AfterFunc(delay, func() {
		// The frame outlives the handler's context only as long as Discord needs to take it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		var err error
		if cmd.InteractionId != "" {
			err = w.o.Discord.Session().InteractionRespond(&discordgo.Interaction{ID: cmd.InteractionId, Token: cmd.InteractionToken},
				&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, discordgo.WithContext(fctx))
		} else if cmd.ChannelId != "" {
			err = w.o.Discord.Typing(fctx, cmd.ChannelId)
		}
		if err != nil {
			// 40060: the answer won the race, which is what we wanted.
			w.o.Logger.DebugContext(ctx, "thinking frame not sent", "command", cmd.Name, "err", err)
		} else {
			w.deferred.Inc()
			w.announce(ctx, bus.SubjectAcknowledged, cmd.InteractionId)
		}
	})
	return func() { t.Stop() }
}
