package commands

// Service names, which are also the bus subject segments and durable consumer names.
const (
	ServiceFun        = "fun"
	ServiceCommunity  = "community"
	ServiceLeague     = "league"
	ServiceModeration = "moderation"
)

// Novera returns the registry of every command the bot offers, gathered from one file per
// owning service. It is built fresh on each call (no package state); callers keep theirs.
func Novera() *Registry {
	var all []Command
	for _, group := range [][]Command{
		funCommands(),
		communityCommands(),
		leagueCommands(),
		moderationCommands(),
	} {
		all = append(all, group...)
	}
	r, err := NewRegistry(all...)
	if err != nil {
		// The definitions are constants of this package and a test builds them, so this
		// cannot happen in a released binary.
		panic(err)
	}
	return r
}
