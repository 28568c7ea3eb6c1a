package importer

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/store"
)

// Main is `novera import`: it parses args (the words after "import"), connects to
// DATABASE_URL and, when DISCORD_TOKEN is set, to Discord's REST API (DISCORD_API_URL),
// imports, and prints the changes and problems to out.
func Main(ctx context.Context, args []string, env *config.Env, out io.Writer) error {
	fs := flag.NewFlagSet("novera import", flag.ContinueOnError)
	fs.SetOutput(out)
	var o Options
	fs.StringVar(&o.MemberData, "member-data", "", "the earlier bot's member_data.json")
	fs.StringVar(&o.ServerConfig, "server-config", "", "the earlier bot's server_config.json")
	fs.StringVar(&o.LedgerChannel, "ledger-channel", "", "id of the earlier bot's value-ledger channel (needs DISCORD_TOKEN)")
	fs.StringVar(&o.GuildID, "guild", "", "guild that receives the member data and the ledger channel")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print what would change and change nothing")
	fs.Usage = func() {
		fmt.Fprintln(out, "usage: novera import [--member-data FILE] [--server-config FILE] [--ledger-channel ID] [--guild ID] [--dry-run]\n(--guild is required with --member-data and --ledger-channel)")
		fmt.Fprintln(out, "environment: DATABASE_URL (required), DISCORD_TOKEN and DISCORD_API_URL (for channel names and --ledger-channel)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.Validate(); err != nil {
		return err
	}
	dbURL := env.URL("DATABASE_URL", "", "postgres", "postgresql")
	token := env.String("DISCORD_TOKEN", "")
	apiURL := env.URL("DISCORD_API_URL", discord.DefaultAPIURL, "http", "https")
	if err := env.Err(); err != nil {
		return err
	}
	if dbURL == "" {
		// The import writes where Novera reads: guessing a database would import into one
		// the bot never sees. `make run` prints the URL of its local cluster.
		return errors.New("DATABASE_URL is required: the PostgreSQL database Novera uses")
	}
	pool, err := store.Open(ctx, dbURL, store.WithApplicationName("novera-import"))
	if err != nil {
		return err
	}
	defer pool.Close()
	deps := Deps{Pool: pool}
	if token != "" {
		c, err := discord.New(discord.Config{Token: token, APIURL: apiURL})
		if err != nil {
			return err
		}
		deps.Channels, deps.Messages = RESTListers(c)
	}
	rep, err := Run(ctx, deps, o)
	if rep != nil {
		Print(out, rep, o.DryRun)
	}
	return err
}

// Print writes a report for the operator.
func Print(out io.Writer, rep *Report, dry bool) {
	verb := "changed"
	if dry {
		verb = "would change (dry run: nothing was written)"
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(out, "skipped:", p)
	}
	for _, c := range rep.Changes {
		fmt.Fprintln(out, "change: ", c)
	}
	fmt.Fprintf(out, "%d guild(s), %d change(s) %s, %d problem(s) skipped\n", len(rep.Guilds), len(rep.Changes), verb, len(rep.Problems))
}
