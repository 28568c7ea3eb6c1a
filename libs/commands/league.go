package commands

import busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"

// leagueCommands are the league service's commands (SPEC.md §1): values, rankings,
// activity and gold; and the evaluations of SPEC.md §2.
func leagueCommands() []Command {
	member := func(desc string, required bool) Option {
		return Option{Name: "member", Description: desc, Type: busv1.OptionType_OPTION_TYPE_USER, Required: required}
	}
	integer := func(name, desc string) Option {
		return Option{Name: name, Description: desc, Type: busv1.OptionType_OPTION_TYPE_INTEGER, Required: true}
	}
	league := func(c Command) Command {
		c.Service, c.Category, c.GuildOnly = ServiceLeague, League, true
		return c
	}
	return []Command{
		league(Command{Name: "checkvalue", Description: "A member's value, rank and tier",
			Aliases: []string{"value", "cv"}, Options: []Option{member("Whose value (default: yours)", false)}}),
		league(Command{Name: "rankings", Description: "The top 10 players by value",
			Aliases: []string{"leaderboard"}}),
		league(Command{Name: "setvalue", Description: "Set a member's value (staff)", Access: Staff,
			Options: []Option{member("Whose value to set", true), integer("value", "The new value in millions (0 or more)")}}),
		league(Command{Name: "addvalue", Description: "Add to or take from a member's value (staff)", Access: Staff,
			Options: []Option{member("Whose value to change", true), integer("amount", "Millions to add (negative to take away)")}}),
		league(Command{Name: "valuehistory", Description: "The last 10 changes to a member's value",
			Options: []Option{member("Whose history (default: yours)", false)}}),
		league(Command{Name: "activity", Description: "Messages, reactions and activity score of a member",
			Options: []Option{member("Whose activity (default: yours)", false)}}),
		league(Command{Name: "checkgold", Description: "A member's gold balance",
			Options: []Option{member("Whose gold (default: yours)", false)}}),
		league(Command{Name: "goldrush", Description: "The top 10 by gold"}),
		league(Command{Name: "addgold", Description: "Add to or take from a member's gold (staff)", Access: Staff,
			Options: []Option{member("Whose gold to change", true), integer("amount", "Gold to add (negative to take away)")}}),
		league(Command{Name: "resetgold", Description: "Reset a member's gold to 0 (staff)", Access: Staff,
			Options: []Option{member("Whose gold to reset", true)}}),
		league(Command{Name: "resetallgold", Description: "Reset everyone's gold to 0, after a confirmation (staff)", Access: Staff}),
		// Evaluations (SPEC.md §2).
		league(Command{Name: "getevaluated", Description: "Ask the evaluators for a tryout (members without a value)"}),
		league(Command{Name: "tryoutsresults", Description: "Evaluate a member: position, then ratings (evaluators)", Access: Evaluator,
			Aliases: []string{"tryoutresults", "tryout", "eval"}, Options: []Option{member("Who to evaluate", true)}}),
		league(Command{Name: "tryoutcancel", Description: "Cancel an evaluation in progress (its evaluator or staff)", Access: Evaluator,
			Options: []Option{member("Whose evaluation (default: the one you are running)", false)}}),
		// Wagers (SPEC.md §3): the rest of a match happens on its board's buttons and modals.
		league(Command{Name: "anteup", Description: "Set up a wager match (stake in millions, default 10, at least 5)",
			Aliases: []string{"match"}, Options: []Option{{Name: "stake", Description: "Millions each player stakes (default 10)",
				Type: busv1.OptionType_OPTION_TYPE_INTEGER}}}),
		league(Command{Name: "matchresult", Description: "Submit the result of your full wager match",
			Aliases: []string{"matchresults", "mr"}, Options: []Option{
				{Name: "winner", Description: "The winning team", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true, Choices: []string{"A", "B"}},
				{Name: "screenshot", Description: "A link to a screenshot of the final score", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true}}}),
		league(Command{Name: "matchcancel", Description: "Cancel a wager match and refund it (its host before it is full, or moderators)",
			Options: []Option{{Name: "match", Description: "The match number (default: the last one you host)", Type: busv1.OptionType_OPTION_TYPE_INTEGER}}}),
	}
}
