package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
)

// maxLedgerMessages bounds how far back the value-ledger channel is read: far more than
// the earlier bot ever wrote, and a stop should Discord keep answering with pages.
const maxLedgerMessages = 200_000

// MessageLister reads a channel newest first: up to 100 messages before the given id
// (empty: the newest).
type MessageLister func(ctx context.Context, channelID, before string) ([]*discordgo.Message, error)

// readLedgerChannel adds the earlier bot's value-ledger channel to plan: each of its
// messages reads "<user id> <value>", and the newest message per member wins (over
// member_data.json too, because the channel was written on every change and survived the
// restarts that lost the file's updates). Messages by people are conversation and are
// passed over; malformed bot messages are problems.
func readLedgerChannel(ctx context.Context, list MessageLister, channelID string, plan *guildPlan) ([]Problem, error) {
	var probs []Problem
	seen := map[string]bool{}
	before, read := "", 0
	for read < maxLedgerMessages {
		page, err := list(ctx, channelID, before)
		if err != nil {
			return probs, fmt.Errorf("read the value-ledger channel %s: %w", channelID, err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			read++
			before = m.ID // pages come newest first: the last one is the oldest so far
			if m.Author == nil || !m.Author.Bot {
				continue
			}
			user, value, err := parseLedgerLine(m.Content)
			if err != nil {
				probs = append(probs, Problem{Where: fmt.Sprintf("channel %s message %s", channelID, m.ID), What: err.Error() + "; skipped"})
				continue
			}
			if seen[user] {
				continue // an older line: the newest already won
			}
			seen[user] = true
			// The message id names this exact value: importing the channel again finds the
			// same id and changes nothing; a newer message is a new event.
			plan.values[user] = target{amount: value, event: "import:message:" + m.ID, source: "value-ledger message " + m.ID}
		}
		if len(page) < 100 {
			break
		}
	}
	return probs, nil
}

func parseLedgerLine(content string) (string, int64, error) {
	f := strings.Fields(content)
	if len(f) != 2 {
		return "", 0, fmt.Errorf("%q does not read <user id> <value>", truncate(content))
	}
	user := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(f[0], "<@"), "!"), ">")
	if !isSnowflake(user) {
		return "", 0, fmt.Errorf("%q is not a user id", truncate(f[0]))
	}
	v, err := wholeNumber([]byte(f[1]))
	if err != nil {
		return "", 0, fmt.Errorf("value %w", err)
	}
	return user, v, nil
}

// RESTListers reads channels and messages through Novera's REST client.
func RESTListers(c *discord.Client) (ChannelLister, MessageLister) {
	channels := func(ctx context.Context, guildID string) (map[string]string, error) {
		all, err := c.Session().GuildChannels(guildID, discordgo.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		byName := map[string]string{}
		for _, ch := range all {
			if _, dup := byName[strings.ToLower(ch.Name)]; !dup { // the first of two equal names, as Discord lists them
				byName[strings.ToLower(ch.Name)] = ch.ID
			}
		}
		return byName, nil
	}
	messages := func(ctx context.Context, channelID, before string) ([]*discordgo.Message, error) {
		return c.Session().ChannelMessages(channelID, 100, before, "", "", discordgo.WithContext(ctx))
	}
	return channels, messages
}
