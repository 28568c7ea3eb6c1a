package fun_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/fun"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkHeadpatHandler is the worker's whole handling of one /headpat once the bus has
// delivered it: the exactly-once transaction with the headpat write in a real PostgreSQL
// (default durability), the answer to the simulator's interaction, and the record that it
// went out. Sequential, so ns/op is the worker's share of a command's latency.
func BenchmarkHeadpatHandler(b *testing.B) {
	ctx := context.Background()
	sim, demo := simtest.Start(b, discordsim.Options{})
	pool, err := store.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	bu, err := bus.Connect(ctx, natstest.Start(b), bus.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bu.Close)
	dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := guildconfig.Open(ctx, pool)
	if err != nil {
		b.Fatal(err)
	}
	w, err := fun.New(ctx, worker.Deps{Bus: bu, Pool: pool, Discord: dc, Registry: commands.Novera(), Config: cfg,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	// The simulator needs the command registered to create its interactions.
	if err := dc.OverwriteCommands(ctx, sim.Application().ID.String(), "", commands.Novera().ApplicationCommands()); err != nil {
		b.Fatal(err)
	}
	giver, receiver := demo.Members["player1"], demo.Members["player2"]
	for b.Loop() {
		b.StopTimer()
		x, err := sim.Slash(ctx, discordsim.SlashRequest{UserID: giver, Text: "/headpat member:<@" + receiver.String() + ">"})
		if err != nil {
			b.Fatal(err)
		}
		cmd := &busv1.Command{Id: x.InteractionID.String(), Name: "headpat", Source: busv1.Source_SOURCE_SLASH,
			InteractionId: x.InteractionID.String(), InteractionToken: x.InteractionToken, ApplicationId: sim.Application().ID.String(),
			GuildId: demo.GuildID.String(), ChannelId: x.ChannelID.String(), ReceivedAt: timestamppb.New(time.Now()),
			Invoker: &busv1.Member{UserId: giver.String(), Username: "player1", InGuild: true, Permissions: 1 << 11},
			Options: []*busv1.Option{{Name: "member", Type: busv1.OptionType_OPTION_TYPE_USER, Value: receiver.String()}},
			Users:   map[string]*busv1.Member{receiver.String(): {UserId: receiver.String(), Username: "player2", InGuild: true}}}
		b.StartTimer()
		if err := w.Handle(ctx, cmd); err != nil {
			b.Fatal(err)
		}
		if len(x.Replies()) == 0 {
			b.Fatal("no answer reached the simulator")
		}
	}
}
