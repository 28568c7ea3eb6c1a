package league

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// board renders a match as its one board message: who plays where, and the buttons that
// still make sense in its state (open: a button per free position, taken ones disabled,
// and Leave; full: Submit result; afterwards none).
func board(r *worker.Request, m *match) worker.Message {
	lb := wagerLabelsFor(r.Sassy())
	e := &discordgo.MessageEmbed{
		Title:       r.Pick(wagerBoardTitle, m.Mode, m.Region),
		Description: r.Pick(wagerBoardText, mention(m.HostID), m.Stake),
		Color:       persona.ColorPink,
		Fields: []*discordgo.MessageEmbedField{
			{Name: lb.Stake, Value: millions(m.Stake), Inline: true},
			{Name: lb.State, Value: lb.States[m.State], Inline: true},
			{Name: lb.Username, Value: m.Username, Inline: true},
		},
		Footer: &discordgo.MessageEmbedFooter{Text: fmt.Sprintf(lb.Footer, m.ID)},
	}
	if m.ServerLink != "" {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: lb.Link, Value: m.ServerLink})
	}
	for _, t := range []string{"A", "B"} {
		var lines []string
		for _, p := range m.team(t) {
			lines = append(lines, p.Position+" · "+mention(p.UserID))
		}
		if len(lines) == 0 {
			lines = []string{lb.Empty}
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{
			Name:  fmt.Sprintf("%s (%d/%d)", lb.Team[t], len(m.team(t)), teamSize(m.Mode)),
			Value: strings.Join(lines, "\n"), Inline: true})
	}
	msg := worker.Message{Embeds: []*discordgo.MessageEmbed{e}}
	id := strconv.FormatInt(m.ID, 10)
	switch m.State {
	case stateOpen:
		for _, t := range []string{"A", "B"} {
			complete := len(m.team(t)) >= teamSize(m.Mode)
			var row []discordgo.MessageComponent
			for _, pos := range positionsOf(m.Mode) {
				row = append(row, discordgo.Button{Label: t + " · " + pos, Style: discordgo.PrimaryButton,
					CustomID: "anteup:join:" + id + ":" + t + ":" + pos, Disabled: complete || m.taken(t, pos)})
			}
			msg.Components = append(msg.Components, discordgo.ActionsRow{Components: row})
		}
		msg.Components = append(msg.Components, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: lb.Leave, Style: discordgo.DangerButton, CustomID: "anteup:leave:" + id}}})
	case stateFull:
		msg.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: lb.Submit, Style: discordgo.SuccessButton, CustomID: "matchresult:submit:" + id}}}}
	default:
		msg.Components = []discordgo.MessageComponent{}
	}
	return msg
}

// reviewEmbed is what moderators see of a submitted result, and what stays once decided.
func reviewEmbed(r *worker.Request, m *match) *discordgo.MessageEmbed {
	lb := wagerLabelsFor(r.Sassy())
	var a, b []string
	for _, p := range m.Players {
		if p.Team == "A" {
			a = append(a, mention(p.UserID))
		} else {
			b = append(b, mention(p.UserID))
		}
	}
	return &discordgo.MessageEmbed{
		Title: r.Pick(wagerReviewTitle, m.ID), Color: persona.ColorBlue,
		Fields: []*discordgo.MessageEmbedField{
			{Name: lb.Team["A"], Value: strings.Join(a, " "), Inline: true},
			{Name: lb.Team["B"], Value: strings.Join(b, " "), Inline: true},
			{Name: lb.Winner, Value: lb.Team[m.Winner], Inline: true},
			{Name: lb.Stake, Value: millions(m.Stake), Inline: true},
			{Name: lb.State, Value: lb.States[m.State], Inline: true},
			{Name: lb.SubmittedBy, Value: mention(m.SubmittedBy), Inline: true},
			{Name: lb.Screenshot, Value: m.Screenshot},
		},
		Image: &discordgo.MessageEmbedImage{URL: m.Screenshot},
	}
}
