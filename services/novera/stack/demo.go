package stack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// ConfigureDemo points the demo guild's configuration at its roles and channels, so that
// every feature works in the simulator out of the box. Headpat and spank roles stay unset:
// everyone may use them, as on a server that never restricted them.
func ConfigureDemo(ctx context.Context, cfg *guildconfig.Store, demo *discordsim.Demo) error {
	guild := demo.GuildID.String()
	roles := map[string]string{
		"management": "Management", "evaluator": "Evaluator", "moderator": "Moderator", "goodboy": "Goodboy",
		"tryout_pending": "Tryout Pending", "evaluated": "Evaluated", "verified": "Verified", "wager_ping": "Wager Ping",
	}
	for i := 1; i <= 10; i++ {
		roles["rank"+strconv.Itoa(i)] = "Rank " + strconv.Itoa(i)
	}
	for key, name := range roles {
		id, ok := demo.Roles[name]
		if !ok {
			return fmt.Errorf("stack: demo guild has no role %q", name)
		}
		if _, err := cfg.Set(ctx, guild, "role."+key, id.String(), "demo"); err != nil {
			return err
		}
	}
	for _, k := range guildconfig.Keys() {
		name, ok := strings.CutPrefix(k.Name, "channel.")
		if !ok {
			continue
		}
		channel := strings.ReplaceAll(name, "_", "-")
		if name == "modlog" {
			channel = "mod-log"
		}
		id, ok := demo.Channels[channel]
		if !ok {
			return fmt.Errorf("stack: demo guild has no channel %q", channel)
		}
		if _, err := cfg.Set(ctx, guild, k.Name, id.String(), "demo"); err != nil {
			return err
		}
	}
	return nil
}
