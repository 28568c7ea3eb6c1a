package league

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// Evaluations (SPEC.md §2). Every step is its own command, and everything a later step
// needs is in league.evaluation_requests and league.evaluations, so a restart between two
// steps loses nothing:
//
//	getevaluated ──▶ request + Accept button ("getevaluated:accept:<request>")
//	Accept / tryoutsresults @member ──▶ panel: position menu ("tryoutsresults:position:<eval>")
//	                                      and Cancel ("tryoutsresults:cancel:<eval>")
//	position picked ──▶ modal of ratings ("tryoutsresults:ratings:<eval>:<position>")
//	modal submitted ──▶ value through the ledger, roles, results, announcement, DM
//
// Each step moves a durable timer ("eval:<eval>:<version>") 24 h ahead; when it fires on
// an untouched evaluation, the evaluation expires.

// evalIdle is how long an evaluation may sit without activity before it expires.
const evalIdle = 24 * time.Hour

// evalCommand receives the panel's components, the modal and the expiry timer.
const evalCommand = "tryoutsresults"

// evaluation is a row of league.evaluations.
type evaluation struct {
	ID          int64
	PlayerID    string
	EvaluatorID string
	ChannelID   string
	Position    string
	State       string
	Version     int
}

const evalColumns = `id, player_id, evaluator_id, channel_id, coalesce(position, ''), state, version`

func scanEval(row pgx.Row) (evaluation, bool, error) {
	var ev evaluation
	err := row.Scan(&ev.ID, &ev.PlayerID, &ev.EvaluatorID, &ev.ChannelID, &ev.Position, &ev.State, &ev.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return ev, false, nil
	}
	if err != nil {
		return ev, false, fmt.Errorf("read evaluation: %w", err)
	}
	return ev, true, nil
}

// evalByID locks an evaluation of this guild for the rest of the command.
func evalByID(ctx context.Context, r *worker.Request, id int64) (evaluation, bool, error) {
	return scanEval(r.Tx.QueryRow(ctx, `SELECT `+evalColumns+` FROM league.evaluations WHERE id = $1 AND guild_id = $2 FOR UPDATE`,
		id, r.Cmd.GuildId))
}

// openEvalOf locks the evaluation in progress of a player, if any.
func openEvalOf(ctx context.Context, r *worker.Request, playerID string) (evaluation, bool, error) {
	return scanEval(r.Tx.QueryRow(ctx, `SELECT `+evalColumns+` FROM league.evaluations
		WHERE guild_id = $1 AND player_id = $2 AND state = 'open' FOR UPDATE`, r.Cmd.GuildId, playerID))
}

func evalTimerKey(id int64, version int) string { return fmt.Sprintf("eval:%d:%d", id, version) }

func evalNow(r *worker.Request) time.Time { return r.Cmd.ReceivedAt.AsTime() }

// ---- getevaluated and its Accept button ----

// getevaluated: SPEC.md §2. A member without a value asks for a tryout; the request is a
// row (one open per member, by a unique index) and a message with an Accept button.
func (s *service) getevaluated(ctx context.Context, r *worker.Request) error {
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT {
		return s.acceptRequest(ctx, r)
	}
	player := r.Cmd.Invoker
	channel := r.Config.Channel("evaluation_requests")
	if channel == "" {
		return worker.Fail(r.Pick(evalNoChannel, configHint(r, "channel.evaluation_requests", "#channel")))
	}
	v, err := ledger.Balance(ctx, r.Tx, r.Cmd.GuildId, player.GetUserId(), ledger.Value)
	if err != nil {
		return err
	}
	if v > 0 {
		return worker.Fail(r.Pick(evalAlreadyValued, millions(v)))
	}
	if ev, found, err := openEvalOf(ctx, r, player.GetUserId()); err != nil {
		return err
	} else if found {
		return worker.Fail(r.Pick(evalInProgress, mention(ev.EvaluatorID)))
	}
	var id int64
	err = r.Tx.QueryRow(ctx, `
		INSERT INTO league.evaluation_requests (guild_id, user_id, event_id, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (guild_id, user_id) WHERE state = 'open' DO NOTHING RETURNING id`,
		r.Cmd.GuildId, player.GetUserId(), r.Cmd.Id, evalNow(r)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return worker.Fail(r.Pick(evalRequestOpen))
	}
	if err != nil {
		return fmt.Errorf("store evaluation request: %w", err)
	}
	lb := evalLabelsFor(r.Sassy())
	r.Send(channel, worker.Message{
		Embeds: []*discordgo.MessageEmbed{{Title: lb.RequestTitle, Description: r.Pick(evalRequestPost, mention(player.GetUserId())),
			Color: persona.ColorPink, Thumbnail: &discordgo.MessageEmbedThumbnail{URL: avatarURL(player)},
			Timestamp: evalNow(r).Format(time.RFC3339)}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: lb.Accept, Style: discordgo.SuccessButton, CustomID: "getevaluated:accept:" + strconv.FormatInt(id, 10)},
		}}},
	})
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalRequested, "<#"+channel+">"), Color: persona.ColorPink}},
		Ephemeral: true})
	// "Waiting for an evaluation" is what the tryout-pending role says; the result swaps it.
	if role := r.Config.Role("tryout_pending"); role != "" && !hasRole(player.GetRoleIds(), role) {
		r.AddRole(player.GetUserId(), role)
	}
	return nil
}

// acceptRequest: an evaluator (never the requester) takes a request. The request message
// becomes the evaluation's panel, and the requester is told by DM: the framework posts
// every channel message without pings (allowed_mentions empty), so a mention in the
// channel would not notify them, while a DM does; the panel in the requests channel shows
// the acceptance to anyone whose DMs are closed.
func (s *service) acceptRequest(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	id, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if len(parts) != 3 || parts[1] != "accept" || err != nil {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	var requester, state, taker string
	err = r.Tx.QueryRow(ctx, `SELECT user_id, state, evaluator_id FROM league.evaluation_requests
		WHERE id = $1 AND guild_id = $2 FOR UPDATE`, id, r.Cmd.GuildId).Scan(&requester, &state, &taker)
	if errors.Is(err, pgx.ErrNoRows) {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	if err != nil {
		return fmt.Errorf("read evaluation request: %w", err)
	}
	clicker := r.Cmd.Invoker
	switch {
	case !worker.Allowed(commands.Evaluator, clicker, r.Config):
		return worker.Fail(r.Pick(evalNotEvaluator))
	case clicker.GetUserId() == requester:
		return worker.Fail(r.Pick(evalOwnRequest))
	case state != "open":
		return worker.Fail(r.Pick(evalRequestTaken, mention(taker)))
	}
	ev, err := s.openEvaluation(ctx, r, requester, clicker.GetUserId(), &id)
	if err != nil {
		return err
	}
	if _, err := r.Tx.Exec(ctx, `UPDATE league.evaluation_requests SET state = 'accepted', evaluator_id = $2, decided_at = $3
		WHERE id = $1`, id, clicker.GetUserId(), evalNow(r)); err != nil {
		return fmt.Errorf("accept evaluation request: %w", err)
	}
	r.Update(panelMessage(r, ev))
	r.DM(requester, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalAcceptedDM, mention(clicker.GetUserId())),
		Color: persona.ColorPink}}})
	return nil
}

// openEvaluation stores a new evaluation and its expiry timer. A player already being
// evaluated is refused: the unique index decides, so two evaluators racing cannot both win.
func (s *service) openEvaluation(ctx context.Context, r *worker.Request, playerID, evaluatorID string, requestID *int64) (evaluation, error) {
	ev := evaluation{PlayerID: playerID, EvaluatorID: evaluatorID, ChannelID: r.Cmd.ChannelId, State: "open", Version: 1}
	err := r.Tx.QueryRow(ctx, `
		INSERT INTO league.evaluations (guild_id, player_id, evaluator_id, request_id, channel_id, opened_at, active_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (guild_id, player_id) WHERE state = 'open' DO NOTHING RETURNING id`,
		r.Cmd.GuildId, playerID, evaluatorID, requestID, ev.ChannelID, evalNow(r)).Scan(&ev.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		other, _, err := openEvalOf(ctx, r, playerID)
		if err != nil {
			return ev, err
		}
		return ev, worker.Fail(r.Pick(evalInProgress, mention(other.EvaluatorID)))
	}
	if err != nil {
		return ev, fmt.Errorf("open evaluation: %w", err)
	}
	if err := r.Schedule(ctx, evalTimerKey(ev.ID, ev.Version), evalNow(r).Add(evalIdle), evalCommand, ""); err != nil {
		return ev, err
	}
	return ev, nil
}

// touch records activity on an evaluation: a new version, and the expiry timer of the
// old version replaced by one 24 h from now.
func (s *service) touch(ctx context.Context, r *worker.Request, ev evaluation) (evaluation, error) {
	if err := r.CancelTimer(ctx, evalTimerKey(ev.ID, ev.Version)); err != nil {
		return ev, err
	}
	err := r.Tx.QueryRow(ctx, `UPDATE league.evaluations SET version = version + 1, active_at = $2 WHERE id = $1 RETURNING version`,
		ev.ID, evalNow(r)).Scan(&ev.Version)
	if err != nil {
		return ev, fmt.Errorf("touch evaluation %d: %w", ev.ID, err)
	}
	return ev, r.Schedule(ctx, evalTimerKey(ev.ID, ev.Version), evalNow(r).Add(evalIdle), evalCommand, "")
}

// closeEval ends an evaluation without a result (cancelled, expired).
func closeEval(ctx context.Context, r *worker.Request, ev evaluation, state string) error {
	if _, err := r.Tx.Exec(ctx, `UPDATE league.evaluations SET state = $2, closed_at = $3, closed_by = $4 WHERE id = $1`,
		ev.ID, state, evalNow(r), r.Cmd.Invoker.GetUserId()); err != nil {
		return fmt.Errorf("close evaluation %d: %w", ev.ID, err)
	}
	return r.CancelTimer(ctx, evalTimerKey(ev.ID, ev.Version))
}

// panelMessage is an open evaluation's message: who, and the position menu.
func panelMessage(r *worker.Request, ev evaluation) worker.Message {
	lb := evalLabelsFor(r.Sassy())
	options := make([]discordgo.SelectMenuOption, 0, len(evalPositions()))
	for _, p := range evalPositions() {
		options = append(options, discordgo.SelectMenuOption{Label: p + " · " + lb.Positions[p], Value: p})
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(evalPanelTitle), Description: r.Pick(evalPanel, mention(ev.PlayerID), mention(ev.EvaluatorID)),
		Color: persona.ColorPink}
	if ev.Position != "" {
		e.Fields = []*discordgo.MessageEmbedField{{Name: lb.Position, Value: ev.Position + " · " + lb.Positions[ev.Position]}}
	}
	id := strconv.FormatInt(ev.ID, 10)
	return worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Components: []discordgo.MessageComponent{
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu,
			CustomID: evalCommand + ":position:" + id, Placeholder: lb.PickPosition, Options: options}}},
		discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: lb.Cancel, Style: discordgo.SecondaryButton,
			CustomID: evalCommand + ":cancel:" + id}}},
	}}
}

// ---- tryoutsresults ----

// tryoutsresults: SPEC.md §2. The command opens (or re-shows) an evaluation; its panel's
// components, its modal and its expiry timer come back here too.
func (s *service) tryoutsresults(ctx context.Context, r *worker.Request) error {
	switch r.Cmd.Source {
	case busv1.Source_SOURCE_TIMER:
		return s.evalExpire(ctx, r)
	case busv1.Source_SOURCE_COMPONENT:
		return s.evalClick(ctx, r)
	case busv1.Source_SOURCE_MODAL:
		return s.evalSubmit(ctx, r)
	}
	m, me := target(r), r.Cmd.Invoker.GetUserId()
	if err := refuseBot(r, m); err != nil {
		return err
	}
	if m.GetUserId() == me {
		return worker.Fail(r.Pick(evalSelf))
	}
	ev, found, err := openEvalOf(ctx, r, m.GetUserId())
	if err != nil {
		return err
	}
	if found {
		if ev.EvaluatorID != me {
			return worker.Fail(r.Pick(evalInProgress, mention(ev.EvaluatorID)))
		}
		// Its own evaluator asking again gets the panel again: a lost panel is no dead end.
		if ev, err = s.touch(ctx, r, ev); err != nil {
			return err
		}
		r.Reply(panelMessage(r, ev))
		return nil
	}
	// An open request of the player is answered by this evaluation.
	var requestID *int64
	err = r.Tx.QueryRow(ctx, `UPDATE league.evaluation_requests SET state = 'accepted', evaluator_id = $3, decided_at = $4
		WHERE guild_id = $1 AND user_id = $2 AND state = 'open' RETURNING id`, r.Cmd.GuildId, m.GetUserId(), me, evalNow(r)).Scan(&requestID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("take evaluation request: %w", err)
	}
	if ev, err = s.openEvaluation(ctx, r, m.GetUserId(), me, requestID); err != nil {
		return err
	}
	r.Reply(panelMessage(r, ev))
	return nil
}

// evalClick handles the panel's position menu and Cancel button.
func (s *service) evalClick(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	if len(parts) != 3 {
		return worker.Fail(r.Pick(evalNoLongerOpen))
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(evalNoLongerOpen))
	}
	ev, found, err := evalByID(ctx, r, id)
	if err != nil {
		return err
	}
	if !found {
		return worker.Fail(r.Pick(evalNoLongerOpen))
	}
	if ev.State != "open" {
		// A stale panel: close it, so nobody keeps clicking it.
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalNoLongerOpen), Color: persona.ColorBlue}}})
		return nil
	}
	me := r.Cmd.Invoker.GetUserId()
	switch parts[1] {
	case "cancel":
		if me != ev.EvaluatorID && !worker.Allowed(commands.Staff, r.Cmd.Invoker, r.Config) {
			return worker.Fail(r.Pick(evalNotYours, mention(ev.EvaluatorID)))
		}
		if err := closeEval(ctx, r, ev, "cancelled"); err != nil {
			return err
		}
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalCancelled, mention(ev.PlayerID)), Color: persona.ColorBlue}}})
		return nil
	case "position":
		if me != ev.EvaluatorID {
			return worker.Fail(r.Pick(evalNotYours, mention(ev.EvaluatorID)))
		}
		var pos string
		if len(r.Cmd.Values) == 1 {
			pos = r.Cmd.Values[0]
		}
		if skillsOf(pos) == nil {
			return worker.Fail(r.Pick(evalPickPosition))
		}
		if _, err := r.Tx.Exec(ctx, `UPDATE league.evaluations SET position = $2 WHERE id = $1`, ev.ID, pos); err != nil {
			return fmt.Errorf("store position: %w", err)
		}
		if _, err := s.touch(ctx, r, ev); err != nil {
			return err
		}
		s.ratingsModal(r, ev.ID, pos)
		return nil
	}
	return worker.Fail(r.Pick(evalNoLongerOpen))
}

// ratingsModal asks for one rating per skill of the position (at most 4 inputs, within
// Discord's 5). The position rides in the modal's id, so the ratings are always read
// against the position the evaluator saw, even if they picked another one meanwhile.
func (s *service) ratingsModal(r *worker.Request, id int64, pos string) {
	lb := evalLabelsFor(r.Sassy())
	weights := weightsOf(pos)
	var inputs []discordgo.TextInput
	for _, sk := range skillsOf(pos) {
		inputs = append(inputs, discordgo.TextInput{CustomID: string(sk), Label: fmt.Sprintf("%s (%d%%)", lb.Skills[sk], weights[sk]),
			Style: discordgo.TextInputShort, Placeholder: lb.RatingHint, Required: true, MinLength: 1, MaxLength: 2})
	}
	r.Modal(fmt.Sprintf("%s:ratings:%d:%s", evalCommand, id, pos), fmt.Sprintf(lb.ModalTitle, pos), inputs...)
}

// evalSubmit reads the ratings; any bad one refuses the whole form and stores nothing.
func (s *service) evalSubmit(ctx context.Context, r *worker.Request) error {
	parts := strings.Split(r.Cmd.CustomId, ":")
	if len(parts) != 4 {
		return worker.Fail(r.Pick(evalNoLongerOpen))
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return worker.Fail(r.Pick(evalNoLongerOpen))
	}
	pos := parts[3]
	if skillsOf(pos) == nil {
		return worker.Fail(r.Pick(evalPickPosition))
	}
	ev, found, err := evalByID(ctx, r, id)
	if err != nil {
		return err
	}
	switch {
	case !found || ev.State != "open":
		return worker.Fail(r.Pick(evalNoLongerOpen))
	case r.Cmd.Invoker.GetUserId() != ev.EvaluatorID:
		return worker.Fail(r.Pick(evalNotYours, mention(ev.EvaluatorID)))
	}
	lb := evalLabelsFor(r.Sassy())
	ratings := map[skill]int{}
	for _, sk := range skillsOf(pos) {
		raw := strings.TrimSpace(r.Cmd.Fields[string(sk)])
		n, err := strconv.Atoi(raw)
		if err != nil || n < minRating || n > maxRating {
			return worker.Fail(r.Pick(evalBadRating, lb.Skills[sk], quoteInput(raw)))
		}
		ratings[sk] = n
	}
	value, err := evalValue(pos, ratings)
	if err != nil {
		return err
	}
	old, now, err := ledger.Set(ctx, r.Tx, ledger.Entry{GuildID: r.Cmd.GuildId, UserID: ev.PlayerID, Currency: ledger.Value,
		Reason: ledger.Evaluation, ActorID: ev.EvaluatorID, EventID: r.Cmd.Id, Note: "tryout " + pos}, value)
	if err := ledgerRefusal(r, err); err != nil {
		return err
	}
	stored, err := json.Marshal(ratings)
	if err != nil {
		return fmt.Errorf("encode ratings: %w", err)
	}
	if _, err := r.Tx.Exec(ctx, `UPDATE league.evaluations SET state = 'done', position = $2, ratings = $3, value = $4,
		closed_at = $5, closed_by = $6, active_at = $5 WHERE id = $1`, ev.ID, pos, stored, now, r.Cmd.ReceivedAt.AsTime(), ev.EvaluatorID); err != nil {
		return fmt.Errorf("finish evaluation %d: %w", ev.ID, err)
	}
	if err := r.CancelTimer(ctx, evalTimerKey(ev.ID, ev.Version)); err != nil {
		return err
	}
	// Role changes are idempotent, so they go out whether or not the player held them.
	if role := r.Config.Role("evaluated"); role != "" {
		r.AddRole(ev.PlayerID, role)
	}
	if role := r.Config.Role("tryout_pending"); role != "" {
		r.RemoveRole(ev.PlayerID, role)
	}
	result := resultEmbed(r, ev, pos, ratings, old, now)
	r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{result}})
	if ch := r.Config.Channel("tryout_results"); ch != "" {
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{result}})
	}
	if ch := r.Config.Channel("values"); ch != "" {
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalAnnounce, mention(ev.PlayerID), millions(now), pos),
			Color: persona.ColorGold}}})
	}
	r.DM(ev.PlayerID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalDM, millions(now), pos), Color: persona.ColorGold}}})
	return nil
}

// configHint quotes the /config set command for key in the form the member used.
func configHint(r *worker.Request, key, value string) string {
	if r.Cmd.Source == busv1.Source_SOURCE_PREFIX {
		return usage(r, "config") + " set " + key + " " + value
	}
	return "/config set key:" + key + " value:" + value
}

// quoteInput makes what a member typed safe to show inside backticks.
func quoteInput(raw string) string {
	raw = strings.ReplaceAll(raw, "`", "'")
	if raw == "" {
		return " "
	}
	if len([]rune(raw)) > 20 {
		return string([]rune(raw)[:20]) + "…"
	}
	return raw
}

// resultEmbed shows the result with a bar per rating.
func resultEmbed(r *worker.Request, ev evaluation, pos string, ratings map[skill]int, old, now int64) *discordgo.MessageEmbed {
	lb := evalLabelsFor(r.Sassy())
	weights := weightsOf(pos)
	var bars []string
	for _, sk := range skillsOf(pos) {
		bars = append(bars, fmt.Sprintf("**%s** (%d%%)\n%s", lb.Skills[sk], weights[sk], ratingBar(ratings[sk])))
	}
	return &discordgo.MessageEmbed{Title: r.Pick(evalResultTitle), Description: r.Pick(evalResult, mention(ev.PlayerID), millions(now)),
		Color: persona.ColorGold, Timestamp: r.Cmd.ReceivedAt.AsTime().Format(time.RFC3339),
		Fields: []*discordgo.MessageEmbedField{
			{Name: lb.Player, Value: mention(ev.PlayerID), Inline: true},
			{Name: lb.Position, Value: pos + " · " + lb.Positions[pos], Inline: true},
			{Name: lb.Evaluator, Value: mention(ev.EvaluatorID), Inline: true},
			{Name: lb.Ratings, Value: strings.Join(bars, "\n")},
			{Name: lb.Before, Value: millions(old), Inline: true},
			{Name: lb.Value, Value: millions(now), Inline: true},
		}}
}

// evalExpire: the timer of an evaluation's last step fired. A later step replaced that
// timer by its own, so a stale version is ignored.
func (s *service) evalExpire(ctx context.Context, r *worker.Request) error {
	key, _, _ := r.TimerKey()
	var id int64
	var version int
	if _, err := fmt.Sscanf(key, "eval:%d:%d", &id, &version); err != nil {
		return nil // not an evaluation timer: nothing of ours to expire
	}
	ev, found, err := evalByID(ctx, r, id)
	if err != nil || !found || ev.State != "open" || ev.Version != version {
		return err
	}
	if err := closeEval(ctx, r, ev, "expired"); err != nil {
		return err
	}
	if ev.ChannelID != "" {
		r.Send(ev.ChannelID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalExpired, mention(ev.PlayerID),
			mention(ev.EvaluatorID)), Color: persona.ColorBlue}}})
	}
	return nil
}

// ---- tryoutcancel ----

// tryoutcancel: SPEC.md §2. The evaluator or staff end an open evaluation; no value, role
// or request changes.
func (s *service) tryoutcancel(ctx context.Context, r *worker.Request) error {
	me := r.Cmd.Invoker.GetUserId()
	var ev evaluation
	if id, ok := r.Option("member"); ok {
		var found bool
		var err error
		if ev, found, err = openEvalOf(ctx, r, id); err != nil {
			return err
		}
		if !found {
			return worker.Fail(r.Pick(evalNoneOpen, mention(id)))
		}
		if ev.EvaluatorID != me && !worker.Allowed(commands.Staff, r.Cmd.Invoker, r.Config) {
			return worker.Fail(r.Pick(evalNotYours, mention(ev.EvaluatorID)))
		}
	} else {
		rows, err := r.Tx.Query(ctx, `SELECT `+evalColumns+` FROM league.evaluations
			WHERE guild_id = $1 AND evaluator_id = $2 AND state = 'open' ORDER BY id FOR UPDATE`, r.Cmd.GuildId, me)
		if err != nil {
			return fmt.Errorf("list own evaluations: %w", err)
		}
		mine, err := pgx.CollectRows(rows, pgx.RowToStructByPos[evaluation])
		if err != nil {
			return fmt.Errorf("list own evaluations: %w", err)
		}
		switch len(mine) {
		case 0:
			return worker.Fail(r.Pick(evalNoneYours))
		case 1:
			ev = mine[0]
		default:
			return worker.Fail(r.Pick(evalWhich, usage(r, "tryoutcancel")+" @member"))
		}
	}
	if err := closeEval(ctx, r, ev, "cancelled"); err != nil {
		return err
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(evalCancelled, mention(ev.PlayerID)), Color: persona.ColorBlue}}})
	return nil
}
