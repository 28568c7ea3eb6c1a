package moderation

import (
	"context"
	"fmt"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// maxSlowmode is Discord's limit for rate_limit_per_user (6 hours).
const maxSlowmode = 21600

// slowmode sets a text channel's slowmode. The range is checked before any Discord call.
func (s *service) slowmode(ctx context.Context, r *worker.Request) error {
	channelID, _ := r.Option("channel")
	raw, _ := r.Option("seconds")
	seconds, err := strconv.Atoi(raw)
	if err != nil || seconds < 0 || seconds > maxSlowmode {
		n, _ := strconv.ParseInt(raw, 10, 64)
		return worker.Fail(r.Pick(errSlowmodeRange, n))
	}
	ch, err := s.discord.Session().Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		if discord.Transient(err) {
			return fmt.Errorf("discord: %w", err)
		}
		return worker.Fail(r.Pick(errChannelElsewhere))
	}
	if ch.GuildID != r.Cmd.GuildId || (ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews &&
		ch.Type != discordgo.ChannelTypeGuildVoice && ch.Type != discordgo.ChannelTypeGuildForum) {
		return worker.Fail(r.Pick(errChannelElsewhere))
	}
	_, err = s.discord.Session().ChannelEdit(channelID, &discordgo.ChannelEdit{RateLimitPerUser: &seconds}, discordgo.WithContext(ctx))
	if err := s.refusal(r, err); err != nil {
		return err
	}
	if err := s.record(ctx, r, "slowmode", channelID, strconv.Itoa(seconds), nil); err != nil {
		return err
	}
	mention := "<#" + channelID + ">"
	text := r.Pick(slowmodeOff, mention)
	if seconds > 0 {
		text = r.Pick(slowmodeOn, mention, seconds)
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorBlue}}})
	s.modlog(r, logSlowmodeTitle, "",
		&discordgo.MessageEmbedField{Name: logChannel, Value: mention, Inline: true},
		&discordgo.MessageEmbedField{Name: "Slowmode", Value: fmt.Sprintf(logSeconds, seconds), Inline: true})
	return nil
}
