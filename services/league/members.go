package league

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// target is the member a command is about: the "member" option, or the invoker.
func target(r *worker.Request) *busv1.Member {
	if id, ok := r.Option("member"); ok {
		if m, ok := r.Member(id); ok {
			return m
		}
		// The framework checked membership; Discord just did not describe them.
		return &busv1.Member{UserId: id, InGuild: true}
	}
	return r.Cmd.Invoker
}

// name is how a member is called in titles, where mentions do not render.
func name(m *busv1.Member) string {
	for _, n := range []string{m.GetNick(), m.GetGlobalName(), m.GetUsername()} {
		if n != "" {
			return n
		}
	}
	return "member " + m.GetUserId()
}

// mention names a member in descriptions and fields; embeds never ping.
func mention(id string) string { return "<@" + id + ">" }

// avatarURL is the member's avatar, or Discord's default one for their id.
func avatarURL(m *busv1.Member) string {
	if m.GetAvatar() != "" {
		return "https://cdn.discordapp.com/avatars/" + m.GetUserId() + "/" + m.GetAvatar() + ".png"
	}
	id, _ := strconv.ParseUint(m.GetUserId(), 10, 64)
	return fmt.Sprintf("https://cdn.discordapp.com/embed/avatars/%d.png", (id>>22)%6)
}

// usage quotes a command the way the member invoked this one (prefix or slash).
func usage(r *worker.Request, command string) string {
	if r.Cmd.Source == busv1.Source_SOURCE_PREFIX {
		p := r.Cmd.Prefix
		if p == "" {
			p = r.Config.Prefix()
		}
		return p + command
	}
	return "/" + command
}

func millions(v int64) string { return "¥" + strconv.FormatInt(v, 10) + " million" }

func signed(v int64) string {
	if v > 0 {
		return "+" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

func timestamp(t time.Time, style string) string {
	return "<t:" + strconv.FormatInt(t.Unix(), 10) + ":" + style + ">"
}

func medal(rank int) string {
	switch rank {
	case 1:
		return "🥇"
	case 2:
		return "🥈"
	case 3:
		return "🥉"
	}
	return "#" + strconv.Itoa(rank)
}

// topPercent is the share of ranked members at or above rank, rounded up: #1 of 200 is
// the top 1 %, #200 of 200 the top 100 %.
func topPercent(rank, total int) int {
	if total == 0 {
		return 100
	}
	return int(math.Ceil(100 * float64(rank) / float64(total)))
}

// rankLine renders "🥇 #1 of 12 · top 9%".
func rankLine(rank, total int) string {
	return fmt.Sprintf("%s #%d of %d · top %d%%", medal(rank), rank, total, topPercent(rank, total))
}

// refuseBot answers a command aimed at a bot: bots have no value or gold.
func refuseBot(r *worker.Request, m *busv1.Member) error {
	if m.GetBot() {
		return worker.Fail(r.Pick(botTarget))
	}
	return nil
}

// ledgerRefusal turns the ledger's refusals into answers; other errors pass through.
func ledgerRefusal(r *worker.Request, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ledger.ErrNegative):
		return worker.Fail(r.Pick(negativeValue))
	case errors.Is(err, ledger.ErrTooLarge):
		return worker.Fail(r.Pick(tooLarge, ledger.MaxBalance))
	}
	return err
}

func errorEmbed(text string) *discordgo.MessageEmbed {
	return &discordgo.MessageEmbed{Description: text, Color: persona.ColorRed}
}

// truncateLines joins lines and keeps the result within an embed description.
func truncateLines(lines []string, max int) string {
	var b strings.Builder
	for i, l := range lines {
		if b.Len()+len(l)+40 > max {
			fmt.Fprintf(&b, "… and %d more", len(lines)-i)
			break
		}
		b.WriteString(l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
