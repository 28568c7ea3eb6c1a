package discordsim

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Application command types.
const (
	CommandChatInput = 1
	CommandUser      = 2
	CommandMessage   = 3
)

// Application command option types.
const (
	OptionSubCommand      = 1
	OptionSubCommandGroup = 2
	OptionString          = 3
	OptionInteger         = 4
	OptionBoolean         = 5
	OptionUser            = 6
	OptionChannel         = 7
	OptionRole            = 8
	OptionMentionable     = 9
	OptionNumber          = 10
	OptionAttachment      = 11
)

// Command is an application command as the bot registered it.
type Command struct {
	ID                       Snowflake         `json:"id"`
	ApplicationID            Snowflake         `json:"application_id"`
	GuildID                  Snowflake         `json:"guild_id,omitempty"`
	Type                     int               `json:"type,omitempty"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	DefaultMemberPermissions *Permissions      `json:"default_member_permissions"`
	DMPermission             *bool             `json:"dm_permission,omitempty"`
	Contexts                 []int             `json:"contexts,omitempty"`
	IntegrationTypes         []int             `json:"integration_types,omitempty"`
	NSFW                     bool              `json:"nsfw"`
	Version                  Snowflake         `json:"version"`
}

// CommandOption is an option (or subcommand) of a command.
type CommandOption struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Required                 bool              `json:"required,omitempty"`
	Choices                  []CommandChoice   `json:"choices,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	ChannelTypes             []ChannelType     `json:"channel_types,omitempty"`
	MinValue                 *float64          `json:"min_value,omitempty"`
	MaxValue                 *float64          `json:"max_value,omitempty"`
	MinLength                *int              `json:"min_length,omitempty"`
	MaxLength                *int              `json:"max_length,omitempty"`
	Autocomplete             bool              `json:"autocomplete,omitempty"`
}

// CommandChoice is a fixed choice of a string, integer or number option. Value is a string or
// a float64 after JSON decoding.
type CommandChoice struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// chatInputName is Discord's rule for slash command and option names (it also admits a few
// Indic scripts, which the bot does not use).
var chatInputName = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

// validateCommands checks a bulk overwrite the way Discord does and returns the failures as
// form-error paths ("0.name") with Discord's error codes.
func validateCommands(cmds []Command) formErrors {
	errs := formErrors{}
	seen := map[string]bool{}
	chatInputs := 0
	for i, c := range cmds {
		p := fmt.Sprint(i)
		typ := c.Type
		if typ == 0 {
			typ = CommandChatInput
		}
		switch typ {
		case CommandChatInput:
			chatInputs++
			checkName(errs, p+".name", c.Name, "APPLICATION_COMMAND_INVALID_NAME")
			checkLen(errs, p+".description", c.Description, 1, 100)
			validateOptions(errs, p+".options", c.Options, 0)
		case CommandUser, CommandMessage:
			checkLen(errs, p+".name", c.Name, 1, 32)
			if c.Description != "" {
				errs.add(p+".description", "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description.")
			}
		default:
			errs.add(p+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
		}
		key := fmt.Sprint(typ, "/", c.Name)
		if seen[key] {
			errs.add(p+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", fmt.Sprintf("Application command names must be unique (%s).", c.Name))
		}
		seen[key] = true
	}
	if chatInputs > 100 {
		errs.add("", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	return errs
}

func validateOptions(errs formErrors, path string, opts []CommandOption, depth int) {
	if len(opts) > 25 {
		errs.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
	}
	seen := map[string]bool{}
	optionalSeen := false
	for i, o := range opts {
		p := fmt.Sprintf("%s.%d", path, i)
		checkName(errs, p+".name", o.Name, "APPLICATION_COMMAND_INVALID_NAME")
		checkLen(errs, p+".description", o.Description, 1, 100)
		if seen[o.Name] {
			errs.add(p+".name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique.")
		}
		seen[o.Name] = true
		switch o.Type {
		case OptionSubCommand, OptionSubCommandGroup:
			if depth >= 2 || (o.Type == OptionSubCommandGroup && depth >= 1) {
				errs.add(p+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands cannot be nested this deep.")
			}
			validateOptions(errs, p+".options", o.Options, depth+1)
		case OptionString, OptionInteger, OptionBoolean, OptionUser, OptionChannel, OptionRole,
			OptionMentionable, OptionNumber, OptionAttachment:
			if o.Required && optionalSeen {
				errs.add(p+".required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options.")
			}
			if !o.Required {
				optionalSeen = true
			}
			if len(o.Choices) > 25 {
				errs.add(p+".choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
			}
		default:
			errs.add(p+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
	}
}

func checkName(errs formErrors, path, name, code string) {
	if !chatInputName.MatchString(name) || strings.ToLower(name) != name {
		errs.add(path, code, "Command name is invalid")
	}
}

func checkLen(errs formErrors, path, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo:
		errs.add(path, "BASE_TYPE_MIN_LENGTH", fmt.Sprintf("Must be %d or more in length.", lo))
	case n > hi:
		errs.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", hi))
	}
}
