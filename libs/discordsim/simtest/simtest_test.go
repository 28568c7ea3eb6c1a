package simtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// This is how another package's test drives a discordgo bot through the simulator.
func TestBotAgainstSimulator(t *testing.T) {
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
	dg := simtest.Discordgo(t, srv)
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent
	dg.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "Pong!", Flags: discordgo.MessageFlagsEphemeral},
		})
	})
	app := srv.Application().ID.String()
	if _, err := dg.ApplicationCommandBulkOverwrite(app, demo.GuildID.String(), []*discordgo.ApplicationCommand{
		{Name: "ping", Description: "Ping"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dg.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ex, err := srv.Slash(ctx, discordsim.SlashRequest{UserID: demo.Members["player2"], Text: "/ping"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := ex.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message.Content != "Pong!" || !reply.Ephemeral {
		t.Fatalf("reply %+v", reply)
	}
}
