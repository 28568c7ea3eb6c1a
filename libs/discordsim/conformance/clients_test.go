package conformance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// client is one Discord library under test.
type client struct {
	name string
	// start runs the bot with token against srv until the test ends.
	start func(t *testing.T, srv *discordsim.Server, token string) *bot
	// gatewayGivesUp says whether the library stops after close code 4004 by itself;
	// discordgo does not (DISCORD.md), which is why Novera has its own gateway client.
	gatewayGivesUp bool
}

// python is Debian's interpreter, where python3-discord is installed; a python3 earlier on
// PATH (a pyenv shim, a virtualenv) would not see it.
const python = "/usr/bin/python3"

// checkDiscordPy imports discord.py once per test binary: it takes about a second.
var checkDiscordPy = sync.OnceValue(func() error {
	out, err := exec.Command(python, "-c", "import discord, yarl; print(discord.__version__)").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -c 'import discord': %v: %s", python, err, out)
	}
	return nil
})

var discordPy = client{
	name:           "discord.py",
	gatewayGivesUp: true,
	start: func(t *testing.T, srv *discordsim.Server, token string) *bot {
		t.Helper()
		if err := checkDiscordPy(); err != nil {
			missingTool(t, "discord.py (Debian package python3-discord)", "apt-get install -y python3-discord", err)
		}
		cmd := exec.Command(python, "-u", filepath.Join("testdata", "pybot.py"))
		cmd.Env = botEnv(t, srv, token, "PYTHONDONTWRITEBYTECODE=1")
		return startProcess(t, cmd)
	},
}

var discordJS = client{
	name:           "discord.js",
	gatewayGivesUp: true,
	start: func(t *testing.T, srv *discordsim.Server, token string) *bot {
		t.Helper()
		node, err := exec.LookPath("node")
		if err != nil {
			missingTool(t, "Node.js", "apt-get install -y nodejs npm", err)
		}
		dir := filepath.Join("testdata", "jsbot")
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "discord.js", "package.json")); err != nil {
			missingTool(t, "discord.js 14", "(cd libs/discordsim/conformance/testdata/jsbot && npm ci)", err)
		}
		cmd := exec.Command(node, "bot.js")
		cmd.Dir = dir
		cmd.Env = botEnv(t, srv, token)
		return startProcess(t, cmd)
	},
}

// botEnv is a small, fixed environment, so that a developer's settings (PYTHONPATH,
// NODE_OPTIONS, proxies) cannot change what the libraries do.
func botEnv(t *testing.T, srv *discordsim.Server, token string, extra ...string) []string {
	return append([]string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + t.TempDir(),
		"LANG=C.UTF-8",
		"SIM_URL=" + srv.URL(),
		"SIM_TOKEN=" + token,
	}, extra...)
}

// discordgoClient is discordgo in this process, wired like Novera's services wire its REST
// client (simtest.Discordgo). It reports what it sees like the other bots do.
var discordgoClient = client{
	name:           "discordgo",
	gatewayGivesUp: false,
	start: func(t *testing.T, srv *discordsim.Server, token string) *bot {
		t.Helper()
		b := &bot{reports: newReports()}
		dg := simtest.Discordgo(t, srv)
		dg.Token = "Bot " + token
		dg.Identify.Token = dg.Token
		// discordgo handles op 7 by reconnecting only when this is set.
		dg.ShouldReconnectOnError = true
		dg.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent
		dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			b.add(report{Event: "ready", UserID: r.User.ID, SessionID: r.SessionID})
		})
		dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
			b.add(report{Event: "guild_create", GuildID: g.ID})
		})
		dg.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) {
			b.add(report{Event: "resumed"})
		})
		dg.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
			if i.Type != discordgo.InteractionApplicationCommand || i.ApplicationCommandData().Name != "echo" {
				return
			}
			text := i.ApplicationCommandData().Options[0].StringValue()
			b.add(report{Event: "interaction", ID: i.ID, Text: text})
			err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{
					Content: "echo: " + text,
					Embeds:  []*discordgo.MessageEmbed{{Title: "Echo", Description: text, Color: 0x5865F2}},
				},
			})
			if err != nil {
				b.add(report{Event: "error", Error: err.Error()})
			}
		})
		dg.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
			if m.Author.Bot {
				return
			}
			b.add(report{Event: "message", ID: m.ID, Content: m.Content})
			if m.Content == "!ping" {
				if _, err := s.ChannelMessageSendReply(m.ChannelID, "pong", m.Reference()); err != nil {
					b.add(report{Event: "error", Error: err.Error()})
				}
			}
		})
		cmds, err := dg.ApplicationCommandBulkOverwrite(srv.Application().ID.String(), "", []*discordgo.ApplicationCommand{{
			Name: "echo", Description: "Repeat a text",
			Options: []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "text", Description: "What to repeat", Required: true,
			}},
		}})
		if err != nil {
			var code *int
			if re, ok := err.(*discordgo.RESTError); ok && re.Response != nil {
				code = &re.Response.StatusCode
			}
			b.add(report{Event: "stopped", Error: err.Error(), Code: code})
			return b
		}
		names := make([]string, 0, len(cmds))
		for _, c := range cmds {
			names = append(names, c.Name)
		}
		b.add(report{Event: "commands_synced", Names: names})
		if err := dg.Open(); err != nil {
			b.add(report{Event: "stopped", Error: err.Error()})
			return b
		}
		t.Cleanup(func() { _ = dg.Close() })
		return b
	},
}

// code returns a report's code for messages.
func code(r report) string {
	if r.Code == nil {
		return "none"
	}
	return strconv.Itoa(*r.Code)
}
