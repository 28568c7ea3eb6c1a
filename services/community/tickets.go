package community

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5/pgconn"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// Team tickets (SPEC.md §5): staff post a panel; its buttons open modals; a submitted modal
// is validated, stored, summarised to the member and logged to the mod-log channel.
const (
	ticketCreate     = "tickets:create"
	ticketJoin       = "tickets:join"
	ticketCreateForm = "tickets:create-form"
	ticketJoinForm   = "tickets:join-form"
	maxTeamName      = 50
	tournamentSize   = 3
)

func tickets(ctx context.Context, r *worker.Request) error {
	switch r.Cmd.Source {
	case busv1.Source_SOURCE_COMPONENT:
		return ticketOpenForm(r)
	case busv1.Source_SOURCE_MODAL:
		return ticketSubmit(ctx, r)
	}
	r.Reply(worker.Message{
		Embeds: []*discordgo.MessageEmbed{{Title: r.Pick(ticketPanelTitle), Description: r.Pick(ticketPanelLines), Color: persona.ColorBlue}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Create team", Style: discordgo.PrimaryButton, CustomID: ticketCreate, Emoji: &discordgo.ComponentEmoji{Name: "🛡️"}},
			discordgo.Button{Label: "Join tournament", Style: discordgo.SuccessButton, CustomID: ticketJoin, Emoji: &discordgo.ComponentEmoji{Name: "🏆"}},
		}}},
	})
	return nil
}

func input(id, label, placeholder string, max int, style discordgo.TextInputStyle) discordgo.TextInput {
	return discordgo.TextInput{CustomID: id, Label: label, Placeholder: placeholder, Style: style, Required: true, MinLength: 1, MaxLength: max}
}

func ticketOpenForm(r *worker.Request) error {
	switch r.Cmd.CustomId {
	case ticketCreate:
		r.Modal(ticketCreateForm, "Create a team",
			input("name", "Team name", "Up to 50 characters", maxTeamName, discordgo.TextInputShort),
			input("cf", "CF", "Your striker", 100, discordgo.TextInputShort),
			input("wingers", "LW / RW", "Your wingers", 100, discordgo.TextInputShort),
			input("cm", "CM", "Your midfielder", 100, discordgo.TextInputShort),
			input("gk", "GK", "Your goalkeeper", 100, discordgo.TextInputShort))
	case ticketJoin:
		r.Modal(ticketJoinForm, "Join the tournament",
			input("team", "Team name", "Up to 50 characters", maxTeamName, discordgo.TextInputShort),
			input("players", "Players (exactly 3)", "One per line, or separated by commas", 300, discordgo.TextInputParagraph))
	default:
		return worker.Fail(r.Pick(persona.Oops))
	}
	return nil
}

func ticketSubmit(ctx context.Context, r *worker.Request) error {
	f := r.Cmd.Fields
	user := r.Cmd.Invoker.GetUserId()
	var summary *discordgo.MessageEmbed
	switch r.Cmd.CustomId {
	case ticketCreateForm:
		name, err := teamName(f["name"])
		if err != nil {
			return worker.Fail(r.Pick(ticketBad, err.Error()))
		}
		pos := map[string]string{}
		for _, k := range []string{"cf", "wingers", "cm", "gk"} {
			if pos[k] = strings.TrimSpace(f[k]); pos[k] == "" {
				return worker.Fail(r.Pick(ticketBad, "every position needs a player"))
			}
		}
		_, err = r.Tx.Exec(ctx, `INSERT INTO community.teams (guild_id, name, captain_id, cf, wingers, cm, gk, event_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.Cmd.GuildId, name, user, pos["cf"], pos["wingers"], pos["cm"], pos["gk"], r.Cmd.Id)
		if isUniqueViolation(err) {
			return worker.Fail(r.Pick(ticketBad, fmt.Sprintf("a team called %q already exists", name)))
		}
		if err != nil {
			return fmt.Errorf("store team: %w", err)
		}
		summary = &discordgo.MessageEmbed{Title: r.Pick(ticketTeamTitle, name), Color: persona.ColorGreen, Fields: []*discordgo.MessageEmbedField{
			{Name: "Captain", Value: "<@" + user + ">"}, {Name: "CF", Value: pos["cf"], Inline: true},
			{Name: "LW / RW", Value: pos["wingers"], Inline: true}, {Name: "CM", Value: pos["cm"], Inline: true},
			{Name: "GK", Value: pos["gk"], Inline: true}}}
	case ticketJoinForm:
		name, err := teamName(f["team"])
		if err != nil {
			return worker.Fail(r.Pick(ticketBad, err.Error()))
		}
		players := splitPlayers(f["players"])
		if len(players) != tournamentSize {
			return worker.Fail(r.Pick(ticketBad, fmt.Sprintf("a tournament team has exactly %d players, not %d", tournamentSize, len(players))))
		}
		if _, err := r.Tx.Exec(ctx, `INSERT INTO community.tournament_entries (guild_id, team_name, players, entered_by, event_id)
			VALUES ($1, $2, $3, $4, $5)`, r.Cmd.GuildId, name, players, user, r.Cmd.Id); err != nil {
			return fmt.Errorf("store tournament entry: %w", err)
		}
		summary = &discordgo.MessageEmbed{Title: r.Pick(ticketJoinTitle, name), Color: persona.ColorGreen, Fields: []*discordgo.MessageEmbedField{
			{Name: "Entered by", Value: "<@" + user + ">"}, {Name: "Players", Value: strings.Join(players, "\n")}}}
	default:
		return worker.Fail(r.Pick(persona.Oops))
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{summary}, Ephemeral: true})
	if ch := r.Config.Channel("modlog"); ch != "" {
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{summary}})
	}
	return nil
}

func teamName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > maxTeamName {
		return "", fmt.Errorf("a team name has 1 to %d characters", maxTeamName)
	}
	return s, nil
}

// splitPlayers reads a list typed one per line or separated by commas.
func splitPlayers(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
