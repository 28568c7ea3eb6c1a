package community

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// memberEvent is what GUILD_MEMBER_ADD and GUILD_MEMBER_REMOVE carry that we use.
type memberEvent struct {
	GuildID string `json:"guild_id"`
	User    struct {
		ID         string `json:"id"`
		Username   string `json:"username"`
		GlobalName string `json:"global_name"`
		Avatar     string `json:"avatar"`
		Bot        bool   `json:"bot"`
	} `json:"user"`
}

func decodeMember(r *worker.Request) (*memberEvent, error) {
	var m memberEvent
	if err := json.Unmarshal(r.Cmd.EventRaw, &m); err != nil || m.User.ID == "" {
		return nil, fmt.Errorf("decode %s: %w", r.Cmd.EventType, err)
	}
	return &m, nil
}

// welcome: SPEC.md §5. A member who joins gets the verified role (when configured) and a
// welcome embed in the welcome channel (when configured and switched on).
func welcome(_ context.Context, r *worker.Request) error {
	m, err := decodeMember(r)
	if err != nil || m.User.Bot {
		return err
	}
	if role := r.Config.Role("verified"); role != "" {
		r.AddRole(m.User.ID, role)
	}
	if ch := r.Config.Channel("welcome"); ch != "" && r.Config.Feature("welcome_messages") {
		e := &discordgo.MessageEmbed{Title: r.Pick(welcomeTitle), Description: r.Pick(welcomeLines, "<@"+m.User.ID+">"), Color: persona.ColorPink}
		if m.User.Avatar != "" {
			e.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: "https://cdn.discordapp.com/avatars/" + m.User.ID + "/" + m.User.Avatar + ".png"}
		}
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	}
	return nil
}

// farewell: a line in the welcome channel when a member leaves, unless switched off. It
// names them without a mention: they can no longer be pinged here anyway.
func farewell(_ context.Context, r *worker.Request) error {
	m, err := decodeMember(r)
	if err != nil || m.User.Bot {
		return err
	}
	if ch := r.Config.Channel("welcome"); ch != "" && r.Config.Feature("announce_leaves") {
		name := m.User.GlobalName
		if name == "" {
			name = m.User.Username
		}
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(farewellLines, name), Color: persona.ColorBlue}}})
	}
	return nil
}
