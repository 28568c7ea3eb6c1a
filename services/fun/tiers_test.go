package fun

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

func TestReplyEvent(t *testing.T) {
	const self = "9"
	bot := &discordgo.User{ID: self, Bot: true}
	tests := []struct {
		name string
		m    *discordgo.Message
		want string
	}{
		{"slash reply", &discordgo.Message{ID: "5", Author: bot, InteractionMetadata: &discordgo.MessageInteractionMetadata{ID: "77"}}, "77"},
		{"prefix reply", &discordgo.Message{ID: "6", Author: bot, MessageReference: &discordgo.MessageReference{MessageID: "123"}}, "123"},
		{"another bot's reply to the same command", &discordgo.Message{ID: "7", Author: &discordgo.User{ID: "8", Bot: true},
			MessageReference: &discordgo.MessageReference{MessageID: "123"}}, ""},
		{"the bot's own post, replying to nothing", &discordgo.Message{ID: "8", Author: bot}, ""},
		{"no author", &discordgo.Message{ID: "9", InteractionMetadata: &discordgo.MessageInteractionMetadata{ID: "77"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := replyEvent(tc.m, self); got != tc.want {
				t.Errorf("replyEvent = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTasteOf(t *testing.T) {
	tests := []struct {
		name, typ, raw string
		delta          int64
		ok             bool
	}{
		{"like", "MESSAGE_REACTION_ADD", `{"message_id":"5","channel_id":"2","message_author_id":"9","emoji":{"name":"😂"},"member":{"user":{"id":"1"}}}`, 1, true},
		{"heart with its variation selector", "MESSAGE_REACTION_ADD", `{"message_id":"5","emoji":{"name":"❤️"}}`, 1, true},
		{"dislike", "MESSAGE_REACTION_ADD", `{"message_id":"5","emoji":{"name":"🙄"}}`, -1, true},
		{"like taken back", "MESSAGE_REACTION_REMOVE", `{"message_id":"5","emoji":{"name":"🔥"}}`, -1, true},
		{"dislike taken back", "MESSAGE_REACTION_REMOVE", `{"message_id":"5","emoji":{"name":"👎"}}`, 1, true},
		{"another emoji", "MESSAGE_REACTION_ADD", `{"message_id":"5","emoji":{"name":"🎉"}}`, 0, false},
		{"a bot's", "MESSAGE_REACTION_ADD", `{"message_id":"5","emoji":{"name":"😂"},"member":{"user":{"bot":true}}}`, 0, false},
		{"no message", "MESSAGE_REACTION_ADD", `{"emoji":{"name":"😂"}}`, 0, false},
		{"malformed", "MESSAGE_REACTION_ADD", `{"message_id":`, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, delta, ok := tasteOf(&busv1.Event{Type: tc.typ, Raw: []byte(tc.raw)})
			if delta != tc.delta || ok != tc.ok {
				t.Errorf("tasteOf = %d, %v; want %d, %v", delta, ok, tc.delta, tc.ok)
			}
		})
	}
}
