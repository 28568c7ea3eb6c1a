package worker

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
)

// Owed actions survive the outbox: what a redelivery decodes is what was stored,
// components (buttons, menus) included.
func TestActionRoundTripsThroughTheOutbox(t *testing.T) {
	rows := []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Accept", Style: discordgo.SuccessButton, CustomID: "eval:accept:1"},
			discordgo.Button{Label: "Docs", Style: discordgo.LinkButton, URL: "https://example.com"},
		}},
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{CustomID: "help:category", Placeholder: "Pick", Options: []discordgo.SelectMenuOption{{Label: "Fun", Value: "fun"}}},
		}},
	}
	actions := []Action{
		{Kind: Respond, InteractionID: "1", Token: "t", Response: &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "hi", Components: rows, Embeds: []*discordgo.MessageEmbed{{Title: "x"}}}}},
		{Kind: Send, ChannelID: "2", Message: &discord.MessageCreate{MessageSend: discordgo.MessageSend{Content: "yo", Components: rows}}},
		{Kind: AddRole, GuildID: "3", UserID: "4", RoleID: "5", Optional: true},
		{Kind: Respond, InteractionID: "6", Response: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}},
	}
	b, err := json.Marshal(actions)
	if err != nil {
		t.Fatal(err)
	}
	var back []Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decode owed actions: %v", err)
	}
	again, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Fatalf("round trip changed the actions:\n%s\n%s", b, again)
	}
	btn, ok := back[0].Response.Data.Components[0].(*discordgo.ActionsRow)
	if !ok || len(btn.Components) != 2 {
		t.Fatalf("response components: %#v", back[0].Response.Data.Components[0])
	}
	if !reflect.DeepEqual(back[2], actions[2]) {
		t.Fatalf("role action: %+v", back[2])
	}
}
