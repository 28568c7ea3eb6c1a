package moderation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// servermessage (alias sm) sends a message as the bot to a channel: the command answers
// with a preview and Send/Cancel buttons for its author; Send posts it through the job
// runner, because the worker's replies never ping and this message may (@everyone, @here
// or a role, named at the end of the text). `sm @member <value>` keeps its old meaning
// from the Python bot: it is forwarded to the league service as setvalue.

const (
	maxMessage = 2000
	// draftTTL is how long a preview's buttons work.
	draftTTL = 15 * time.Minute
)

func (s *service) servermessage(ctx context.Context, r *worker.Request) error {
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT {
		return s.servermessageClick(ctx, r)
	}
	target, _ := r.Option("target")
	text, _ := r.Option("message")
	if userID, ok := snowflakeIn(target, "<@!", "<@"); ok {
		return s.forwardSetvalue(ctx, r, userID, text)
	}
	channelID, ok := snowflakeIn(target, "<#")
	if !ok {
		return worker.Fail(r.Pick(errSmTarget, clip(target, 40)))
	}
	// The length first: an over-long text is refused without asking Discord anything.
	if n := utf8.RuneCountInString(text); n > maxMessage {
		return worker.Fail(r.Pick(errSmTooLong, n))
	}
	body, ping := splitPing(text)
	if strings.TrimSpace(body) == "" {
		return worker.Fail(r.Pick(errSmEmpty))
	}
	ch, err := s.discord.Session().Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		if discord.Transient(err) {
			return fmt.Errorf("discord: %w", err)
		}
		return worker.Fail(r.Pick(errChannelElsewhere))
	}
	if ch.GuildID != r.Cmd.GuildId || (ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews) {
		return worker.Fail(r.Pick(errChannelElsewhere))
	}
	var id int64
	if err := r.Tx.QueryRow(ctx, `INSERT INTO moderation.drafts (event_id, guild_id, channel_id, author_id, content, ping, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.Cmd.Id, r.Cmd.GuildId, channelID, r.Cmd.GetInvoker().GetUserId(), text, ping, receivedAt(r)).Scan(&id); err != nil {
		return fmt.Errorf("store draft: %w", err)
	}
	draft := strconv.FormatInt(id, 10)
	buttons := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: smSendLabel, Style: discordgo.SuccessButton, CustomID: "servermessage:send:" + draft},
		discordgo.Button{Label: smCancelLabel, Style: discordgo.DangerButton, CustomID: "servermessage:cancel:" + draft},
	}}}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{previewEmbed(r.Pick(smPreview, "<#"+channelID+">"), text, ping)},
		Components: buttons, Ephemeral: true})
	return nil
}

func previewEmbed(title, text, ping string) *discordgo.MessageEmbed {
	if ping == "" {
		ping = smNoPing
	}
	return &discordgo.MessageEmbed{Title: clip(title, 250), Description: text, Color: persona.ColorPink,
		Fields: []*discordgo.MessageEmbedField{{Name: smPingField, Value: ping, Inline: true}}}
}

// servermessageClick handles Send and Cancel, once, for the draft's author only.
func (s *service) servermessageClick(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	if len(parts) != 3 || (parts[1] != "send" && parts[1] != "cancel") {
		return worker.Fail(r.Pick(errSmExpired))
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(errSmExpired))
	}
	var channelID, author, text, ping, status string
	var created time.Time
	err = r.Tx.QueryRow(ctx, `SELECT channel_id, author_id, content, ping, status, created_at FROM moderation.drafts
		WHERE id = $1 AND guild_id = $2 FOR UPDATE`, id, r.Cmd.GuildId).Scan(&channelID, &author, &text, &ping, &status, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return worker.Fail(r.Pick(errSmExpired))
	}
	if err != nil {
		return fmt.Errorf("load draft %d: %w", id, err)
	}
	if author != r.Cmd.GetInvoker().GetUserId() {
		return worker.Fail(r.Pick(errSmNotYours))
	}
	if status != "pending" || receivedAt(r).Sub(created) > draftTTL {
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(errSmExpired), Color: persona.ColorRed}}})
		return nil
	}
	status = "cancelled"
	if parts[1] == "send" {
		status = "sent"
	}
	if _, err := r.Tx.Exec(ctx, `UPDATE moderation.drafts SET status = $2, decided_at = $3 WHERE id = $1`, id, status, receivedAt(r)); err != nil {
		return fmt.Errorf("decide draft %d: %w", id, err)
	}
	mention := "<#" + channelID + ">"
	if status == "cancelled" {
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(smCancelled), Color: persona.ColorRed}}})
		return nil
	}
	m := &discord.MessageCreate{MessageSend: discordgo.MessageSend{Content: text, AllowedMentions: allowedFor(ping)}}
	if err := schedule(ctx, r.Tx, "servermessage:"+parts[2], time.Now(), job{Kind: jobSend, ChannelID: channelID, Message: m}); err != nil {
		return err
	}
	if err := s.record(ctx, r, "servermessage", channelID, clip(text, 200), nil); err != nil {
		return err
	}
	r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{previewEmbed(r.Pick(smSent, mention), text, ping)}})
	pingText := ping
	if pingText == "" {
		pingText = smNoPing
	}
	s.modlog(r, logSmTitle, "",
		&discordgo.MessageEmbedField{Name: logChannel, Value: mention, Inline: true},
		&discordgo.MessageEmbedField{Name: smPingField, Value: pingText, Inline: true},
		&discordgo.MessageEmbedField{Name: logContent, Value: clip(text, 1000)})
	return nil
}

// splitPing reads the ping a text ends with: @everyone, @here, a role mention, or the word
// "none" (which is dropped). The ping stays in the text, where Discord shows it.
func splitPing(text string) (body, ping string) {
	t := strings.TrimSpace(text)
	i := strings.LastIndexFunc(t, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' })
	last := t[i+1:]
	switch {
	case last == "@everyone" || last == "@here":
		return strings.TrimSpace(t[:i+1]), last
	case strings.EqualFold(last, "none") && i >= 0:
		return strings.TrimSpace(t[:i+1]), ""
	}
	if _, ok := snowflakeIn(last, "<@&"); ok {
		return strings.TrimSpace(t[:i+1]), last
	}
	return t, ""
}

// allowedFor pings exactly what the author chose, and nobody else the text mentions.
func allowedFor(ping string) *discordgo.MessageAllowedMentions {
	am := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	switch {
	case ping == "@everyone" || ping == "@here":
		am.Parse = []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeEveryone}
	case ping != "":
		if id, ok := snowflakeIn(ping, "<@&"); ok {
			am.Roles = []string{id}
		}
	}
	return am
}

// forwardSetvalue turns `sm @member <value>` into the setvalue command the league service
// owns, published with the original command's id, so the league's exactly-once record
// covers it, and a message id of its own, so the stream does not drop it as a repeat of
// the command that brought it here.
func (s *service) forwardSetvalue(ctx context.Context, r *worker.Request, userID, value string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(errSmValue, clip(value, 40)))
	}
	fwd := proto.Clone(r.Cmd).(*busv1.Command)
	fwd.Name = "setvalue"
	fwd.Options = []*busv1.Option{{Name: "member", Type: busv1.OptionType_OPTION_TYPE_USER, Value: userID},
		{Name: "value", Type: busv1.OptionType_OPTION_TYPE_INTEGER, Value: strconv.FormatInt(n, 10)}}
	payload, err := proto.Marshal(fwd)
	if err != nil {
		return fmt.Errorf("encode forwarded setvalue: %w", err)
	}
	subject := "commands." + commands.ServiceLeague + ".setvalue"
	if _, err := s.bus.Publish(ctx, subject, "sm-setvalue:"+r.Cmd.Id, payload); err != nil {
		return fmt.Errorf("forward setvalue: %w", err)
	}
	return nil
}

// snowflakeIn accepts a bare id or one wrapped as <PREFIXid>, like the prefix parser.
func snowflakeIn(tok string, prefixes ...string) (string, bool) {
	isID := func(s string) bool {
		if len(s) == 0 || len(s) > 20 {
			return false
		}
		_, err := strconv.ParseUint(s, 10, 64)
		return err == nil
	}
	for _, p := range prefixes {
		if strings.HasPrefix(tok, p) && strings.HasSuffix(tok, ">") {
			if id := tok[len(p) : len(tok)-1]; isID(id) {
				return id, true
			}
		}
	}
	return "", false
}
