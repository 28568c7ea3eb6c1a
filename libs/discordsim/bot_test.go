package discordsim

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// newDiscordgo returns a discordgo session whose REST calls reach srv, the way the bot is wired
// to the simulator.
func newDiscordgo(t *testing.T, srv *Server) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + srv.Token())
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = srv.HTTPClient()
	dg.ShouldReconnectOnError = false
	dg.ShouldRetryOnRateLimit = false
	return dg
}

// startBot runs a small discordgo bot against the simulator: it registers /headpat, /say
// and /slow and answers them and the prefix commands !ping and !multi.
func startBot(t *testing.T, srv *Server, demo *Demo) *discordgo.Session {
	t.Helper()
	dg := newDiscordgo(t, srv)
	dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
		discordgo.IntentsMessageContent | discordgo.IntentsGuildMembers | discordgo.IntentsDirectMessages
	dg.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.Type != discordgo.InteractionApplicationCommand {
			return
		}
		data := i.ApplicationCommandData()
		switch data.Name {
		case "headpat":
			target := data.Options[0].UserValue(nil)
			if _, ok := data.Resolved.Members[target.ID]; !ok {
				t.Errorf("resolved member missing for %s", target.ID)
			}
			err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{
					Content: "*pats <@" + target.ID + ">*",
					Embeds:  []*discordgo.MessageEmbed{{Title: "Headpat", Description: "from <@" + i.Member.User.ID + ">"}},
				},
			})
			if err != nil {
				t.Errorf("respond: %v", err)
			}
		case "say":
			if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
				t.Errorf("defer: %v", err)
				return
			}
			text := data.Options[0].StringValue()
			if _, err := s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text}); err != nil {
				t.Errorf("edit: %v", err)
			}
			if _, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "(said it)", Flags: discordgo.MessageFlagsEphemeral}); err != nil {
				t.Errorf("follow-up: %v", err)
			}
		case "slow":
			// Never answers.
		}
	})
	dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author.Bot {
			return
		}
		switch {
		case m.Content == "!ping":
			if _, err := s.ChannelMessageSendReply(m.ChannelID, "pong", m.Reference()); err != nil {
				t.Errorf("reply: %v", err)
			}
		case strings.HasPrefix(m.Content, "!multi"):
			s.ChannelMessageSendReply(m.ChannelID, "one", m.Reference())
			time.Sleep(20 * time.Millisecond)
			s.ChannelMessageSendReply(m.ChannelID, "two", m.Reference())
		}
	})
	_, err := dg.ApplicationCommandBulkOverwrite(srv.Application().ID.String(), demo.GuildID.String(), []*discordgo.ApplicationCommand{
		{Name: "headpat", Description: "Pat someone", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionUser, Name: "member", Description: "who", Required: true},
		}},
		{Name: "say", Description: "Say something", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "text", Description: "what", Required: true},
		}},
		{Name: "slow", Description: "Never answers"},
	})
	if err != nil {
		t.Fatalf("register commands: %v", err)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	return dg
}
