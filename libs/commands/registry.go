// Package commands is the single registry of Novera's commands: the gateway registers slash
// commands from it and routes by it, workers check permissions with it, and help lists it,
// so no front door can know a command the others do not.
package commands

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

// Access says who may run a command (SPEC.md §0 "Permissions").
type Access int

const (
	Anyone Access = iota
	Evaluator
	Moderator
	Staff
)

func (a Access) String() string {
	switch a {
	case Evaluator:
		return "evaluators"
	case Moderator:
		return "moderators"
	case Staff:
		return "staff"
	default:
		return "anyone"
	}
}

// Category groups commands in help.
type Category string

const (
	General    Category = "General"
	League     Category = "League"
	Wagers     Category = "Wagers"
	Fun        Category = "Fun"
	Moderation Category = "Moderation"
)

// Option is one argument of a command.
type Option struct {
	Name        string
	Description string
	Type        busv1.OptionType
	Required    bool
	// Choices limits a string option to these values.
	Choices []string
}

// Subcommand is one verb of a command with subcommands ("/config show", "/config set").
type Subcommand struct {
	Name        string
	Description string
	Options     []Option
}

// SubcommandOption is the option that carries the chosen subcommand on the bus, so a
// handler reads it like any other option.
const SubcommandOption = "subcommand"

// Command describes one command.
type Command struct {
	Name        string
	Description string
	// Service is the worker that owns the command; commands.<Service>.<Name> is its subject.
	Service  string
	Category Category
	Aliases  []string
	Options  []Option
	// Subcommands replace Options for commands with verbs; each verb has its own options.
	Subcommands []Subcommand
	Access      Access
	// GuildOnly commands refuse to run in DMs.
	GuildOnly bool
}

// Subject is the bus subject the command is routed to.
func (c *Command) Subject() string { return "commands." + c.Service + "." + c.Name }

// Usage renders the prefix form, e.g. "!headpat [@member]" or
// "!config show | set <key> <value>".
func (c *Command) Usage(prefix string) string {
	if len(c.Subcommands) > 0 {
		verbs := make([]string, 0, len(c.Subcommands))
		for _, sc := range c.Subcommands {
			verbs = append(verbs, strings.TrimPrefix(usage("", sc.Name, sc.Options), " "))
		}
		return prefix + c.Name + " " + strings.Join(verbs, " | ")
	}
	return usage(prefix, c.Name, c.Options)
}

func usage(prefix, name string, options []Option) string {
	var b strings.Builder
	b.WriteString(prefix + name)
	for _, o := range options {
		arg := o.Name
		switch o.Type {
		case busv1.OptionType_OPTION_TYPE_USER:
			arg = "@" + o.Name
		case busv1.OptionType_OPTION_TYPE_CHANNEL:
			arg = "#" + o.Name
		}
		if o.Required {
			b.WriteString(" <" + arg + ">")
		} else {
			b.WriteString(" [" + arg + "]")
		}
	}
	return b.String()
}

// Registry is an immutable set of commands.
type Registry struct {
	list   []*Command
	byName map[string]*Command
}

var nameRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// NewRegistry validates the definitions: unique names and aliases, Discord's naming rules,
// required options before optional ones (Discord refuses the other order).
func NewRegistry(cmds ...Command) (*Registry, error) {
	r := &Registry{byName: map[string]*Command{}}
	for i := range cmds {
		c := &cmds[i]
		if !nameRE.MatchString(c.Name) {
			return nil, fmt.Errorf("commands: name %q breaks Discord's naming rules", c.Name)
		}
		if c.Service == "" || c.Description == "" || len(c.Description) > 100 {
			return nil, fmt.Errorf("commands: %s needs a service and a description of 1-100 characters", c.Name)
		}
		if len(c.Subcommands) > 0 && len(c.Options) > 0 {
			return nil, fmt.Errorf("commands: %s has both options and subcommands", c.Name)
		}
		if err := checkOptions(c.Name, c.Options); err != nil {
			return nil, err
		}
		for _, sc := range c.Subcommands {
			if !nameRE.MatchString(sc.Name) || sc.Description == "" {
				return nil, fmt.Errorf("commands: %s subcommand %q is malformed", c.Name, sc.Name)
			}
			if err := checkOptions(c.Name+" "+sc.Name, sc.Options); err != nil {
				return nil, err
			}
		}
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if _, dup := r.byName[n]; dup {
				return nil, fmt.Errorf("commands: %q is defined twice", n)
			}
			r.byName[n] = c
		}
		r.list = append(r.list, c)
	}
	sort.Slice(r.list, func(i, j int) bool { return r.list[i].Name < r.list[j].Name })
	return r, nil
}

// checkOptions applies Discord's rules to one list of options: well-formed names and
// descriptions, required options before optional ones.
func checkOptions(where string, opts []Option) error {
	optional := false
	for _, o := range opts {
		if !nameRE.MatchString(o.Name) || o.Description == "" || o.Name == SubcommandOption {
			return fmt.Errorf("commands: %s option %q is malformed", where, o.Name)
		}
		if o.Required && optional {
			return fmt.Errorf("commands: %s: required option %q follows an optional one", where, o.Name)
		}
		optional = optional || !o.Required
	}
	return nil
}

// Lookup finds a command by name or alias, case-insensitively.
func (r *Registry) Lookup(name string) (*Command, bool) {
	c, ok := r.byName[strings.ToLower(name)]
	return c, ok
}

// All returns the commands sorted by name.
func (r *Registry) All() []*Command { return r.list }

// OfService returns the commands a worker owns.
func (r *Registry) OfService(service string) []*Command {
	var out []*Command
	for _, c := range r.list {
		if c.Service == service {
			out = append(out, c)
		}
	}
	return out
}

// UnknownSubject is where commands nobody owns are routed, so that the user still hears
// that the command does not exist (a stale slash registration, a typo after the prefix).
const UnknownSubject = "commands." + ServiceCommunity + "." + UnknownName

// UnknownName is the command name of an unknown command on the bus.
const UnknownName = "unknown"
