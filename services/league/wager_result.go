package league

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// matchresult (aliases matchresults, mr): SPEC.md §3. A player of a full match gives the
// winner and a screenshot, by command or through the board's Submit button and its modal;
// the review embed it posts carries Approve/Decline ("matchresult:approve:<id>"), which
// come back here too.
func (s *service) matchresult(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	var id int64
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT || r.Cmd.Source == busv1.Source_SOURCE_MODAL {
		if len(parts) != 3 {
			return worker.Fail(r.Pick(wagerClosed))
		}
		n, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return worker.Fail(r.Pick(wagerClosed))
		}
		id = n
	}
	switch r.Cmd.Source {
	case busv1.Source_SOURCE_COMPONENT:
		if parts[1] == "approve" || parts[1] == "decline" {
			return s.wagerDecide(ctx, r, id, parts[1] == "approve")
		}
		m, err := s.resultMatch(ctx, r, id)
		if err != nil {
			return err
		}
		lb := wagerLabelsFor(r.Sassy())
		r.Modal(fmt.Sprintf("matchresult:result:%d", m.ID), fmt.Sprintf(lb.ResultTitle, m.ID),
			discordgo.TextInput{CustomID: "winner", Label: lb.Winner, Placeholder: "A, B", Style: discordgo.TextInputShort, Required: true, MaxLength: 1},
			discordgo.TextInput{CustomID: "screenshot", Label: lb.Screenshot, Placeholder: "https://…", Style: discordgo.TextInputShort, Required: true, MaxLength: 400})
		return nil
	case busv1.Source_SOURCE_MODAL:
		return s.submitResult(ctx, r, id, r.Cmd.Fields["winner"], r.Cmd.Fields["screenshot"])
	}
	winner, _ := r.Option("winner")
	shot, _ := r.Option("screenshot")
	// By command, the match is the invoker's latest one waiting for a result.
	err := r.Tx.QueryRow(ctx, `SELECT m.id FROM league.wager_matches m JOIN league.wager_players p ON p.match_id = m.id
		WHERE m.guild_id = $1 AND p.user_id = $2 AND m.state IN ('full', 'submitted') ORDER BY m.id DESC LIMIT 1`,
		r.Cmd.GuildId, r.Cmd.Invoker.GetUserId()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return worker.Fail(r.Pick(wagerNoMatch))
	}
	if err != nil {
		return fmt.Errorf("find match of %s: %w", r.Cmd.Invoker.GetUserId(), err)
	}
	return s.submitResult(ctx, r, id, winner, shot)
}

// resultMatch locks a match whose result the invoker may submit now.
func (s *service) resultMatch(ctx context.Context, r *worker.Request, id int64) (*match, error) {
	m, err := lockMatch(ctx, r.Tx, r.Cmd.GuildId, id)
	if errors.Is(err, errNoMatch) {
		return nil, worker.Fail(r.Pick(wagerClosed))
	}
	if err != nil {
		return nil, err
	}
	if _, in := m.player(r.Cmd.Invoker.GetUserId()); !in {
		return nil, worker.Fail(r.Pick(wagerNotPlayer))
	}
	switch m.State {
	case stateFull:
		return m, nil
	case stateSubmitted:
		return nil, worker.Fail(r.Pick(alreadyDecided))
	}
	return nil, worker.Fail(r.Pick(wagerClosed))
}

func (s *service) submitResult(ctx context.Context, r *worker.Request, id int64, winner, shot string) error {
	lb := wagerLabelsFor(r.Sassy())
	m, err := s.resultMatch(ctx, r, id)
	if err != nil {
		return err
	}
	winner, shot = strings.ToUpper(strings.TrimSpace(winner)), strings.TrimSpace(shot)
	switch {
	case winner != "A" && winner != "B":
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadWinner))
	case !isURL(shot):
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadURL))
	}
	channel := r.Config.Channel("wager_review")
	if channel == "" {
		return worker.Fail(r.Pick(wagerNoChannel, "/config set channel.wager_review"))
	}
	_, err = r.Tx.Exec(ctx, `UPDATE league.wager_matches SET state = 'submitted', winner = $2, screenshot = $3, submitted_by = $4
		WHERE id = $1`, m.ID, winner, shot, r.Cmd.Invoker.GetUserId())
	if err != nil {
		return fmt.Errorf("submit result of match %d: %w", m.ID, err)
	}
	m.State, m.Winner, m.Screenshot, m.SubmittedBy = stateSubmitted, winner, shot, r.Cmd.Invoker.GetUserId()
	id32 := strconv.FormatInt(m.ID, 10)
	r.Send(channel, worker.Message{Embeds: []*discordgo.MessageEmbed{reviewEmbed(r, m)},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: lb.Approve, Style: discordgo.SuccessButton, CustomID: "matchresult:approve:" + id32},
			discordgo.Button{Label: lb.Decline, Style: discordgo.DangerButton, CustomID: "matchresult:decline:" + id32},
		}}}})
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerSubmitted, "<#"+channel+">"),
		Color: persona.ColorPink}}, Ephemeral: true})
	return nil
}

// wagerDecide is a moderator's Approve or Decline. The match's lock and its state make it
// once: a second press, by anyone, finds the match settled and changes nothing.
func (s *service) wagerDecide(ctx context.Context, r *worker.Request, id int64, approve bool) error {
	if !worker.Allowed(commands.Moderator, r.Cmd.Invoker, r.Config) {
		return worker.Fail(r.Pick(wagerNotModerator))
	}
	m, err := lockMatch(ctx, r.Tx, r.Cmd.GuildId, id)
	if errors.Is(err, errNoMatch) {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	if err != nil {
		return err
	}
	if m.State != stateSubmitted {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	if approve {
		err = settle(ctx, r, m)
	} else {
		err = refundAll(ctx, r, m)
	}
	if err != nil {
		return err
	}
	for _, p := range m.Players {
		text := r.Pick(wagerCancelledText, m.ID, m.Stake)
		if approve {
			text = r.Pick(wagerSettledDM, m.ID, wagerLabelsFor(r.Sassy()).Team[m.Winner])
		}
		r.DM(p.UserID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorGold}}})
	}
	r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{reviewEmbed(r, m)}})
	s.log.InfoContext(ctx, "wager decided", "match", m.ID, "approved", approve)
	return nil
}

// matchcancel: the host before the match is full, or a moderator at any time before it is
// settled, calls a match off and every stake goes back.
func (s *service) matchcancel(ctx context.Context, r *worker.Request) error {
	me := r.Cmd.Invoker.GetUserId()
	mod := worker.Allowed(commands.Moderator, r.Cmd.Invoker, r.Config)
	var id int64
	if raw, ok := r.Option("match"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return worker.Fail(r.Pick(wagerNoMatch))
		}
		id = n
	} else {
		err := r.Tx.QueryRow(ctx, `SELECT id FROM league.wager_matches WHERE guild_id = $1 AND host_id = $2
			AND state IN ('open', 'full', 'submitted') ORDER BY id DESC LIMIT 1`, r.Cmd.GuildId, me).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return worker.Fail(r.Pick(wagerNoMatch))
		}
		if err != nil {
			return fmt.Errorf("find match of %s: %w", me, err)
		}
	}
	m, err := lockMatch(ctx, r.Tx, r.Cmd.GuildId, id)
	if errors.Is(err, errNoMatch) {
		return worker.Fail(r.Pick(wagerNoMatch))
	}
	if err != nil {
		return err
	}
	switch {
	case !m.live():
		return worker.Fail(r.Pick(wagerClosed))
	case !mod && (m.HostID != me || m.State != stateOpen):
		return worker.Fail(r.Pick(wagerNotModerator))
	}
	if err := refundAll(ctx, r, m); err != nil {
		return err
	}
	tellCancelled(r, m)
	text := r.Pick(wagerCancelledText, m.ID, m.Stake)
	if m.ChannelID != "" && m.ChannelID != r.Cmd.ChannelId {
		r.Send(m.ChannelID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorBlue}}})
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorBlue}}})
	return nil
}
