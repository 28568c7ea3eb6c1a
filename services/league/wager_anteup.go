package league

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// anteup (alias match): SPEC.md §3. One command carries a match from its set-up to its
// end: the slash command opens the set-up modal (a prefix message cannot open one, so it
// posts a button that does), the modal posts the board, the board's buttons come back here
// ("anteup:join:<id>:<team>:<pos>", "anteup:leave:<id>"), and so do its timers.
func (s *service) anteup(ctx context.Context, r *worker.Request) error {
	switch r.Cmd.Source {
	case busv1.Source_SOURCE_TIMER:
		return s.wagerTimer(ctx, r)
	case busv1.Source_SOURCE_MODAL:
		return s.wagerSetup(ctx, r)
	case busv1.Source_SOURCE_COMPONENT:
		return s.wagerClick(ctx, r)
	}
	stake, err := wagerStake(ctx, r)
	if err != nil {
		return err
	}
	if r.Cmd.Source == busv1.Source_SOURCE_PREFIX {
		lb := wagerLabelsFor(r.Sassy())
		r.Reply(worker.Message{
			Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerPrefixPrompt, stake), Color: persona.ColorPink}},
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: lb.Setup, Style: discordgo.PrimaryButton,
					CustomID: fmt.Sprintf("anteup:open:%d:%s", stake, r.Cmd.Invoker.GetUserId())}}}},
		})
		return nil
	}
	setupModal(r, stake)
	return nil
}

// wagerStake is the stake asked for (default 10), checked against the minimum and the
// creator's value, so nobody fills in a modal for a match they cannot afford.
func wagerStake(ctx context.Context, r *worker.Request) (int64, error) {
	stake := int64(wagerDefaultStake)
	if raw, ok := r.Option("stake"); ok {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return 0, worker.Fail(r.Pick(wagerBadSetup, wagerLabelsFor(r.Sassy()).BadStake))
		}
		stake = n
	}
	return stake, checkStake(ctx, r, stake)
}

func checkStake(ctx context.Context, r *worker.Request, stake int64) error {
	value, err := ledger.Balance(ctx, r.Tx, r.Cmd.GuildId, r.Cmd.Invoker.GetUserId(), ledger.Value)
	if err != nil {
		return err
	}
	if stake < wagerMinStake || stake > value {
		return worker.Fail(r.Pick(wagerStakeRange, stake, wagerMinStake, value))
	}
	return nil
}

// setupModal asks for the match's details; the stake rides in the modal's custom id.
func setupModal(r *worker.Request, stake int64) {
	lb := wagerLabelsFor(r.Sassy())
	in := func(id, label, hint string, required bool, maxLen int) discordgo.TextInput {
		return discordgo.TextInput{CustomID: id, Label: label, Placeholder: hint, Style: discordgo.TextInputShort,
			Required: required, MaxLength: maxLen}
	}
	r.Modal(fmt.Sprintf("anteup:setup:%d", stake), fmt.Sprintf(lb.ModalTitle, stake),
		in("mode", lb.Mode, "1v1, 2v2, 3v3, 5v5", true, 3),
		in("region", lb.Region, "NA, EU", true, 2),
		in("position", lb.Position, "CF, LW, RW, CM, GK", true, 2),
		in("username", lb.Username, lb.UsernameHint, true, 40),
		in("link", lb.Link, "https://…", false, 200))
}

// wagerSetup creates the match from the submitted modal: the host's stake is held, the
// board is posted to the mode's channel pinging the wager role, and the 10-minute timer set.
func (s *service) wagerSetup(ctx context.Context, r *worker.Request) error {
	lb := wagerLabelsFor(r.Sassy())
	parts := strings.Split(r.Cmd.CustomId, ":")
	if len(parts) != 3 || parts[1] != "setup" {
		return worker.Fail(r.Pick(wagerClosed))
	}
	stake, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadStake))
	}
	field := func(k string) string { return strings.TrimSpace(r.Cmd.Fields[k]) }
	mode, region, pos := strings.ToLower(field("mode")), strings.ToUpper(field("region")), strings.ToUpper(field("position"))
	username, link := field("username"), field("link")
	switch {
	case teamSize(mode) == 0:
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadMode))
	case region != "NA" && region != "EU":
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadRegion))
	case !validPosition(mode, pos):
		return worker.Fail(r.Pick(wagerBadSetup, fmt.Sprintf(lb.BadPosition, mode, strings.Join(positionsOf(mode), ", "))))
	case username == "":
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadUsername))
	case link != "" && !isURL(link):
		return worker.Fail(r.Pick(wagerBadSetup, lb.BadURL))
	}
	if err := checkStake(ctx, r, stake); err != nil {
		return err
	}
	channel := r.Config.Channel("wagers_" + mode)
	if channel == "" {
		return worker.Fail(r.Pick(wagerNoChannel, "/config set channel.wagers_"+mode))
	}
	m := &match{GuildID: r.Cmd.GuildId, Mode: mode, Region: region, Stake: stake, HostID: r.Cmd.Invoker.GetUserId(),
		Username: username, ServerLink: link, State: stateOpen, ChannelID: channel}
	err = r.Tx.QueryRow(ctx, `INSERT INTO league.wager_matches (guild_id, mode, region, stake, host_id, username, server_link,
		channel_id, event_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		m.GuildID, mode, region, stake, m.HostID, username, link, channel, r.Cmd.Id, r.Cmd.ReceivedAt.AsTime()).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("create match: %w", err)
	}
	if err := hold(ctx, r, m, m.HostID, "A", pos); err != nil {
		if errors.Is(err, ledger.ErrNegative) {
			return worker.Fail(r.Pick(wagerStakeRange, stake, wagerMinStake, 0))
		}
		return err
	}
	if err := r.Schedule(ctx, wagerTimerKey(m.ID, "fill"), r.Cmd.ReceivedAt.AsTime().Add(wagerFillWindow), "anteup", "fill"); err != nil {
		return err
	}
	msg := board(r, m)
	role := r.Config.Role("wager_ping")
	if role != "" {
		msg.Content = r.Pick(wagerPing, "<@&"+role+">", mode, stake)
		r.SendPinging(channel, msg, role)
	} else {
		r.Send(channel, msg)
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerPosted, "<#"+channel+">"),
		Color: persona.ColorPink}}, Ephemeral: true})
	s.log.InfoContext(ctx, "wager created", "match", m.ID, "mode", mode, "stake", stake)
	return nil
}

func validPosition(mode, pos string) bool {
	for _, p := range positionsOf(mode) {
		if p == pos {
			return true
		}
	}
	return false
}

func isURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && !strings.ContainsAny(s, " \n<>")
}

// wagerClick handles the set-up button of a prefix command and the board's buttons.
func (s *service) wagerClick(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	me := r.Cmd.Invoker.GetUserId()
	if len(parts) == 4 && parts[1] == "open" {
		// Only the author of the prefix command may set up the match they asked for.
		if parts[3] != me {
			return worker.Fail(r.Pick(notYourButton))
		}
		stake, err := strconv.ParseInt(parts[2], 10, 64)
		if err != nil {
			return worker.Fail(r.Pick(wagerClosed))
		}
		if err := checkStake(ctx, r, stake); err != nil {
			return err
		}
		setupModal(r, stake)
		return nil
	}
	if len(parts) < 3 {
		return worker.Fail(r.Pick(wagerClosed))
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(wagerClosed))
	}
	m, err := lockMatch(ctx, r.Tx, r.Cmd.GuildId, id)
	if errors.Is(err, errNoMatch) {
		return worker.Fail(r.Pick(wagerClosed))
	}
	if err != nil {
		return err
	}
	if m.MessageID == "" && r.Cmd.ComponentMessageId != "" {
		// The board was posted after commit; its first click tells us its id.
		if _, err := r.Tx.Exec(ctx, `UPDATE league.wager_matches SET message_id = $2 WHERE id = $1`, m.ID, r.Cmd.ComponentMessageId); err != nil {
			return fmt.Errorf("record board of match %d: %w", m.ID, err)
		}
	}
	switch {
	case parts[1] == "join" && len(parts) == 5:
		return s.wagerJoin(ctx, r, m, parts[3], parts[4])
	case parts[1] == "leave":
		return s.wagerLeave(ctx, r, m)
	}
	return worker.Fail(r.Pick(wagerClosed))
}

func (s *service) wagerJoin(ctx context.Context, r *worker.Request, m *match, team, pos string) error {
	me := r.Cmd.Invoker.GetUserId()
	switch {
	case m.State != stateOpen:
		return worker.Fail(r.Pick(wagerClosed))
	case func() bool { _, in := m.player(me); return in }():
		return worker.Fail(r.Pick(wagerAlreadyIn))
	case (team != "A" && team != "B") || !validPosition(m.Mode, pos) || m.taken(team, pos) || len(m.team(team)) >= teamSize(m.Mode):
		return worker.Fail(r.Pick(wagerSpotTaken))
	}
	if err := hold(ctx, r, m, me, team, pos); err != nil {
		if errors.Is(err, ledger.ErrNegative) {
			value, _ := ledger.Balance(ctx, r.Tx, m.GuildID, me, ledger.Value)
			return worker.Fail(r.Pick(wagerTooPoor, m.Stake, value))
		}
		return err
	}
	if m.full() {
		if err := setState(ctx, r, m, stateFull); err != nil {
			return err
		}
		if err := r.CancelTimer(ctx, wagerTimerKey(m.ID, "fill")); err != nil {
			return err
		}
		if err := r.Schedule(ctx, wagerTimerKey(m.ID, "review"), r.Cmd.ReceivedAt.AsTime().Add(wagerReviewWindow), "anteup", "review"); err != nil {
			return err
		}
		for _, p := range m.Players {
			r.DM(p.UserID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerFullDM, m.ID, "<#"+m.ChannelID+">"),
				Color: persona.ColorPink}}})
		}
	}
	r.Update(board(r, m))
	return nil
}

// wagerLeave frees the clicker's spot and refunds it; the host leaving calls the match off.
func (s *service) wagerLeave(ctx context.Context, r *worker.Request, m *match) error {
	me := r.Cmd.Invoker.GetUserId()
	if _, in := m.player(me); !in {
		return worker.Fail(r.Pick(wagerNotPlayer))
	}
	if m.State != stateOpen {
		return worker.Fail(r.Pick(wagerClosed))
	}
	if me == m.HostID {
		if err := refundAll(ctx, r, m); err != nil {
			return err
		}
		tellCancelled(r, m)
	} else if err := release(ctx, r, m, me); err != nil {
		return err
	}
	r.Update(board(r, m))
	return nil
}

// tellCancelled DMs every player of a cancelled match that their stake is back.
func tellCancelled(r *worker.Request, m *match) {
	for _, p := range m.Players {
		r.DM(p.UserID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerCancelledText, m.ID, m.Stake),
			Color: persona.ColorBlue}}})
	}
}

// wagerTimer handles a match's timers. Each checks the state under the match's lock, so a
// timer that fires after the match moved on (filled, settled) does nothing.
func (s *service) wagerTimer(ctx context.Context, r *worker.Request) error {
	key, kind, _ := r.TimerKey()
	var id int64
	if _, err := fmt.Sscanf(key, "wager:%d:", &id); err != nil {
		s.log.WarnContext(ctx, "unknown wager timer", "key", key)
		return nil
	}
	m, err := lockMatch(ctx, r.Tx, r.Cmd.GuildId, id)
	if errors.Is(err, errNoMatch) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case kind == "fill" && m.State == stateOpen:
		if err := refundAll(ctx, r, m); err != nil {
			return err
		}
		tellCancelled(r, m)
		r.Send(m.ChannelID, worker.Message{Embeds: []*discordgo.MessageEmbed{{
			Description: r.Pick(wagerCancelledText, m.ID, m.Stake), Color: persona.ColorBlue}}})
		s.log.InfoContext(ctx, "wager unfilled: cancelled", "match", m.ID)
	case kind == "review" && (m.State == stateFull || m.State == stateSubmitted):
		channel := r.Config.Channel("wager_review")
		if channel == "" {
			channel = m.ChannelID
		}
		role := r.Config.Role("moderator")
		msg := worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(wagerReminder, m.ID, "<#"+m.ChannelID+">"),
			Color: persona.ColorRed}}}
		if role != "" {
			msg.Content = "<@&" + role + ">"
			r.SendPinging(channel, msg, role)
		} else {
			r.Send(channel, msg)
		}
	}
	return nil
}
