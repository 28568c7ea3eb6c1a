package fun

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// gesture is what headpat and spank share: an optional role gate, a target that defaults
// to the invoker, a scolding for aiming at yourself or a bot, a daily count per member,
// and an embed with a GIF.
type gesture struct {
	role     string // guild setting role.<role> that gates the command, when set
	table    string // fun.<table>(guild_id, user_id, day, count)
	needRole persona.Pool
	self     persona.Pool
	bot      persona.Pool
	title    persona.Pool
	lines    persona.Pool
	count    persona.Pool
	gifs     []string
}

// perform runs the gesture. It returns the target and today's count for it, or a nil
// target when the gesture was refused with a scolding (already in r's replies).
func (g *gesture) perform(ctx context.Context, r *worker.Request) (*busv1.Member, int, *discordgo.MessageEmbed, error) {
	cmd := r.Cmd
	if role := r.Config.Role(g.role); role != "" && !slices.Contains(cmd.Invoker.GetRoleIds(), role) {
		return nil, 0, nil, worker.Fail(r.Pick(g.needRole))
	}
	target := cmd.Invoker
	if id, ok := r.Option("member"); ok {
		m, _ := r.Member(id)
		scold := persona.Pool{}
		switch {
		case m.GetBot():
			scold = g.bot
		case id == cmd.Invoker.GetUserId():
			scold = g.self
		}
		if scold.Name != "" {
			r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
				Description: r.Pick(scold, mention(cmd.Invoker)), Color: persona.ColorRed}}})
			return nil, 0, nil, nil
		}
		target = m
	}
	today, tier, err := g.tally(ctx, r, target.GetUserId())
	if err != nil {
		return nil, 0, nil, err
	}
	embed := &discordgo.MessageEmbed{
		Title:       r.Pick(g.title),
		Description: g.lines.PickIn(r.Rand, r.Sassy(), tier, mention(target)),
		Color:       persona.ColorPink,
		Image:       &discordgo.MessageEmbedImage{URL: g.gifs[r.Rand.IntN(len(g.gifs))]},
		Footer:      &discordgo.MessageEmbedFooter{Text: r.Pick(g.count, today)},
	}
	return target, today, embed, nil
}

// tally adds the gesture to today's count for the target and picks the reply's tier: the
// two statements go in one round trip, as neither needs the other's answer.
func (g *gesture) tally(ctx context.Context, r *worker.Request, targetID string) (today, tier int, err error) {
	day := r.Cmd.ReceivedAt.AsTime().UTC().Truncate(24 * time.Hour)
	var b pgx.Batch
	// The table name is one of this package's constants, never input.
	b.Queue(`
		INSERT INTO fun.`+g.table+` AS t (guild_id, user_id, day, count) VALUES ($1, $2, $3, 1)
		ON CONFLICT (guild_id, user_id, day) DO UPDATE SET count = t.count + 1
		RETURNING count`, r.Cmd.GuildId, targetID, day)
	b.Queue(tierScoresSQL, r.Cmd.GuildId)
	br := r.Tx.SendBatch(ctx, &b)
	defer func() {
		if cerr := br.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("count %s: %w", g.table, cerr)
		}
	}()
	if err := br.QueryRow().Scan(&today); err != nil {
		return 0, 0, fmt.Errorf("count %s: %w", g.table, err)
	}
	rows, err := br.Query()
	if err != nil {
		return 0, 0, fmt.Errorf("read tier scores: %w", err)
	}
	tier, err = pickTier(r, rows)
	return today, tier, err
}

// mention names a member without pinging them: embeds never ping, and replies are sent
// with no allowed mentions.
func mention(m *busv1.Member) string {
	return "<@" + m.GetUserId() + ">"
}
