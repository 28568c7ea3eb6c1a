package moderation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// cleanserver scans the recent messages of every text channel and deletes those the
// filter flags. It takes minutes and hundreds of REST calls, far more than a command's
// transaction should hold, so the handler only records the run and schedules it as a job
// in the runner's slow lane; the job posts a progress message in the invoking channel and
// edits it after each channel.

const (
	defaultCleanLimit = 500
	maxCleanLimit     = 1000
	// bulkDeleteMaxAge is how old a message may be for bulk deletion (Discord's rule);
	// older ones are deleted one by one. A day's margin keeps clear of the edge.
	bulkDeleteMaxAge = 13 * 24 * time.Hour
)

func (s *service) cleanserver(ctx context.Context, r *worker.Request) error {
	limit := defaultCleanLimit
	if raw, ok := r.Option("limit"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxCleanLimit {
			n64, _ := strconv.ParseInt(raw, 10, 64)
			return worker.Fail(r.Pick(errCleanLimit, n64))
		}
		limit = n
	}
	var id int64
	err := r.Tx.QueryRow(ctx, `INSERT INTO moderation.cleanups (event_id, guild_id, channel_id, requested_by, per_channel, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Cmd.Id, r.Cmd.GuildId, r.Cmd.ChannelId, r.Cmd.GetInvoker().GetUserId(), limit, receivedAt(r)).Scan(&id)
	if err != nil {
		return fmt.Errorf("record cleanup: %w", err)
	}
	if err := schedule(ctx, r.Tx, "cleanserver:"+r.Cmd.Id, time.Now(), job{Kind: jobCleanServer, GuildID: r.Cmd.GuildId,
		ChannelID: r.Cmd.ChannelId, CleanupID: id}); err != nil {
		return err
	}
	if err := s.record(ctx, r, "cleanserver", r.Cmd.GuildId, strconv.Itoa(limit)+" per channel", nil); err != nil {
		return err
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(cleanStarted, limit), Color: persona.ColorBlue}}})
	return nil
}

// cleanup is a cleanserver run as stored.
type cleanup struct {
	id                         int64
	guildID, channelID, by     string
	perChannel                 int
	progressID                 string
	channelsDone, scanned, del int
	finished                   bool
}

// runCleanup performs (or resumes) a cleanserver run.
func (s *service) runCleanup(ctx context.Context, c claimed) error {
	var cl cleanup
	var progress *string
	var finished *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, guild_id, channel_id, requested_by, per_channel, progress_message_id, channels_done, scanned, deleted, finished_at
		FROM moderation.cleanups WHERE id = $1`, c.job.CleanupID).
		Scan(&cl.id, &cl.guildID, &cl.channelID, &cl.by, &cl.perChannel, &progress, &cl.channelsDone, &cl.scanned, &cl.del, &finished)
	if errors.Is(err, pgx.ErrNoRows) || finished != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load cleanup %d: %w", c.job.CleanupID, err)
	}
	if progress != nil {
		cl.progressID = *progress
	}
	cfg, err := s.config.Get(ctx, cl.guildID)
	if err != nil {
		return fmt.Errorf("read guild config: %w", err)
	}
	sassy := cfg.Sassy()
	dc := s.discord.Session()

	var all []*discordgo.Channel
	if err := retry(ctx, func() (err error) {
		all, err = dc.GuildChannels(cl.guildID, discordgo.WithContext(ctx))
		return err
	}); err != nil {
		return err
	}
	var channels []*discordgo.Channel
	for _, ch := range all {
		if ch.Type == discordgo.ChannelTypeGuildText || ch.Type == discordgo.ChannelTypeGuildNews {
			channels = append(channels, ch)
		}
	}
	slices.SortFunc(channels, func(a, b *discordgo.Channel) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return compareSnowflakes(a.ID, b.ID)
	})

	progressEmbed := func(done bool) *discordgo.MessageEmbed {
		text := fmt.Sprintf(cleanProgressLine, cl.channelsDone, len(channels), cl.scanned, cl.del)
		title := pickFixed(cleanRunning, sassy, cl.id)
		color := persona.ColorBlue
		if done {
			title, color = pickFixed(cleanFinished, sassy, cl.id), persona.ColorGreen
		}
		return &discordgo.MessageEmbed{Title: title, Description: text, Color: color}
	}
	if cl.progressID == "" {
		var m *discordgo.Message
		if err := retry(ctx, func() (err error) {
			m, err = s.discord.SendMessage(ctx, cl.channelID, &discord.MessageCreate{
				MessageSend: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{progressEmbed(false)}},
				Nonce:       "clean-" + strconv.FormatInt(cl.id, 10), EnforceNonce: true})
			return err
		}); err != nil {
			return err
		}
		cl.progressID = m.ID
		if _, err := s.pool.Exec(ctx, `UPDATE moderation.cleanups SET progress_message_id = $2, channels_total = $3 WHERE id = $1`,
			cl.id, cl.progressID, len(channels)); err != nil {
			return fmt.Errorf("store progress message: %w", err)
		}
	}
	editProgress := func(done bool) error {
		return retry(ctx, func() error {
			_, err := dc.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: cl.progressID, Channel: cl.channelID,
				Embeds: &[]*discordgo.MessageEmbed{progressEmbed(done)}}, discordgo.WithContext(ctx))
			return err
		})
	}

	for i := cl.channelsDone; i < len(channels); i++ {
		ch := channels[i]
		flagged, scanned, err := s.scanChannel(ctx, ch.ID, cl.perChannel, cl.progressID)
		if err != nil {
			return err
		}
		deleted, err := deleteMessages(ctx, dc, ch.ID, flagged)
		if err != nil {
			return err
		}
		cl.channelsDone, cl.scanned, cl.del = i+1, cl.scanned+scanned, cl.del+deleted
		if _, err := s.pool.Exec(ctx, `UPDATE moderation.cleanups SET channels_done = $2, scanned = $3, deleted = $4 WHERE id = $1`,
			cl.id, cl.channelsDone, cl.scanned, cl.del); err != nil {
			return fmt.Errorf("store cleanup progress: %w", err)
		}
		if err := editProgress(false); err != nil {
			return err
		}
	}
	if err := editProgress(true); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE moderation.cleanups SET finished_at = now() WHERE id = $1`, cl.id); err != nil {
		return fmt.Errorf("finish cleanup: %w", err)
	}
	if modlog := cfg.Channel("modlog"); modlog != "" {
		e := &discordgo.MessageEmbed{Title: logCleanTitle, Color: persona.ColorBlue, Timestamp: time.Now().UTC().Format(time.RFC3339),
			Fields: []*discordgo.MessageEmbedField{
				{Name: logModerator, Value: "<@" + cl.by + ">", Inline: true},
				{Name: logCleanScanned, Value: strconv.Itoa(cl.scanned), Inline: true},
				{Name: logCleanDeleted, Value: strconv.Itoa(cl.del), Inline: true},
			}}
		m := logMessage(e)
		m.Nonce, m.EnforceNonce = "cleanlog-"+strconv.FormatInt(cl.id, 10), true
		if err := retry(ctx, func() error { _, err := s.discord.SendMessage(ctx, modlog, m); return err }); err != nil {
			s.log.WarnContext(ctx, "cleanserver summary not logged", "cleanup", cl.id, "err", err)
		}
	}
	s.log.InfoContext(ctx, "cleanserver finished", "guild_id", cl.guildID, "scanned", cl.scanned, "deleted", cl.del)
	return nil
}

// scanChannel reads up to limit recent messages of a channel, newest first, and returns
// the ids of those the filter flags. Bots' messages are not judged.
func (s *service) scanChannel(ctx context.Context, channelID string, limit int, skipID string) ([]string, int, error) {
	var flagged []string
	scanned := 0
	before := ""
	for scanned < limit {
		want := min(100, limit-scanned)
		var page []*discordgo.Message
		if err := retry(ctx, func() (err error) {
			page, err = s.discord.Session().ChannelMessages(channelID, want, before, "", "", discordgo.WithContext(ctx))
			return err
		}); err != nil {
			return nil, 0, err
		}
		for _, m := range page {
			scanned++
			if m.ID == skipID || m.Author == nil || m.Author.Bot || m.WebhookID != "" {
				continue
			}
			if s.filter.Check(m.Content).Hit() {
				flagged = append(flagged, m.ID)
			}
		}
		if len(page) < want {
			break // the channel's beginning
		}
		before = page[len(page)-1].ID
	}
	return flagged, scanned, nil
}

// deleteMessages deletes ids in bulk where Discord allows (2–100 messages under 14 days
// old) and one by one otherwise.
func deleteMessages(ctx context.Context, dc *discordgo.Session, channelID string, ids []string) (int, error) {
	var recent, old []string
	cutoff := time.Now().Add(-bulkDeleteMaxAge)
	for _, id := range ids {
		if t, err := discordgo.SnowflakeTimestamp(id); err == nil && t.After(cutoff) {
			recent = append(recent, id)
		} else {
			old = append(old, id)
		}
	}
	for len(recent) >= 2 {
		n := min(100, len(recent))
		chunk := recent[:n]
		if err := retry(ctx, func() error { return dc.ChannelMessagesBulkDelete(channelID, chunk, discordgo.WithContext(ctx)) }); err != nil {
			return 0, err
		}
		recent = recent[n:]
	}
	for _, id := range append(old, recent...) {
		err := retry(ctx, func() error { return dc.ChannelMessageDelete(channelID, id, discordgo.WithContext(ctx)) })
		if code, _ := discord.Code(err); err != nil && code != discord.CodeUnknownMessage {
			return 0, err
		}
	}
	return len(ids), nil
}

// retry repeats a Discord call that failed transiently (a 429 the client's own retries
// gave up on, a 5xx, the network), with back-off, a few times within ctx.
func retry(ctx context.Context, call func() error) error {
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !discord.Transient(err) || attempt == 6 {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 4*time.Second)
	}
}

// pickFixed picks a line that stays the same across a run's edits.
func pickFixed(p persona.Pool, sassy bool, seed int64) string {
	return p.Pick(rand.New(rand.NewPCG(uint64(seed), 0x636c65616e)), sassy)
}

func compareSnowflakes(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
