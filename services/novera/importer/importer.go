// Package importer brings the earlier bot's data into Novera: member_data.json (values,
// gold, activity, headpat and spank counters), server_config.json (per-server settings)
// and its value-ledger channel. It is `novera import` (cli.go).
//
// Every guild is one transaction: a guild is imported whole or not at all. Malformed
// entries are reported with their location and skipped. Re-running an import changes
// nothing (balances.go says how), and a dry run reads in a read-only transaction, so it
// cannot change anything.
package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/fun"
	"github.com/novera-bot/novera/services/league"
)

// Options say what to import.
type Options struct {
	MemberData   string // path of member_data.json, or empty
	ServerConfig string // path of server_config.json, or empty
	// LedgerChannel is the id of the earlier bot's value-ledger channel, or empty.
	LedgerChannel string
	// GuildID receives the member data and the ledger channel, which name no guild.
	GuildID string
	DryRun  bool
}

// Deps is what an import talks to. The listers may be nil when no Discord token is
// given; then channel names and the ledger channel cannot be read.
type Deps struct {
	Pool     *pgxpool.Pool
	Channels ChannelLister
	Messages MessageLister
}

// Report is what an import did (or, in a dry run, would do).
type Report struct {
	Changes  []Change
	Problems []Problem
	Guilds   []string // guilds looked at, in order
}

// Validate checks the options before anything is read.
func (o Options) Validate() error {
	switch {
	case o.MemberData == "" && o.ServerConfig == "" && o.LedgerChannel == "":
		return errors.New("nothing to import: give --member-data, --server-config or --ledger-channel")
	case (o.MemberData != "" || o.LedgerChannel != "") && !isSnowflake(o.GuildID):
		return errors.New("--guild ID is required with --member-data and --ledger-channel (the earlier bot's files name no guild)")
	case o.LedgerChannel != "" && !isSnowflake(o.LedgerChannel):
		return fmt.Errorf("--ledger-channel %q is not a channel id", o.LedgerChannel)
	}
	return nil
}

// Run imports. Problems in the sources are in the report; an error means a guild (or
// everything) was not imported, and names which.
func Run(ctx context.Context, deps Deps, o Options) (*Report, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	plans := map[string]*guildPlan{}
	planFor := func(id string) *guildPlan {
		if plans[id] == nil {
			plans[id] = newGuildPlan(id)
		}
		return plans[id]
	}
	rep := &Report{}
	// Read every source before touching the database: a source that cannot be read
	// stops the import with nothing changed.
	if o.MemberData != "" {
		data, err := os.ReadFile(o.MemberData)
		if err != nil {
			return nil, err
		}
		probs, err := readMemberData(o.MemberData, data, planFor(o.GuildID))
		if err != nil {
			return nil, err
		}
		rep.Problems = append(rep.Problems, probs...)
	}
	if o.ServerConfig != "" {
		data, err := os.ReadFile(o.ServerConfig)
		if err != nil {
			return nil, err
		}
		probs, err := readServerConfig(ctx, o.ServerConfig, data, deps.Channels, planFor)
		rep.Problems = append(rep.Problems, probs...)
		if err != nil {
			return nil, err
		}
	}
	if o.LedgerChannel != "" {
		if deps.Messages == nil {
			return nil, errors.New("--ledger-channel needs DISCORD_TOKEN to read the channel")
		}
		probs, err := readLedgerChannel(ctx, deps.Messages, o.LedgerChannel, planFor(o.GuildID))
		rep.Problems = append(rep.Problems, probs...)
		if err != nil {
			return nil, err
		}
	}

	if !o.DryRun {
		// The schemas must exist before the first write; migrating is what every service
		// does at start-up, and is safe while they run.
		if err := league.Migrate(ctx, deps.Pool); err != nil {
			return nil, err
		}
		if err := fun.Migrate(ctx, deps.Pool); err != nil {
			return nil, err
		}
		if _, err := guildconfig.Open(ctx, deps.Pool); err != nil {
			return nil, err
		}
	}
	ids := sortedKeys(plans)
	for _, id := range ids {
		rep.Guilds = append(rep.Guilds, id)
		var changes []Change
		var probs []Problem
		txo := pgx.TxOptions{}
		if o.DryRun {
			txo.AccessMode = pgx.ReadOnly
		}
		err := store.InTxWith(ctx, deps.Pool, txo, func(tx pgx.Tx) error {
			// InTxWith may run this again after a serialization failure: start afresh.
			changes, probs = nil, nil
			a := &applier{tx: tx, guild: id, dry: o.DryRun, source: plans[id].counterSource}
			if err := a.tables(ctx); err != nil {
				return err
			}
			err := a.apply(ctx, plans[id])
			changes, probs = a.changes, a.problems
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("guild %s not imported (nothing of it changed): %w", id, err)
		}
		rep.Changes = append(rep.Changes, changes...)
		rep.Problems = append(rep.Problems, probs...)
	}
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Where < rep.Problems[j].Where })
	return rep, nil
}
