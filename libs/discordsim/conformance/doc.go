// Package conformance runs Discord clients that no one on this project wrote against the
// simulator: a discord.py bot (testdata/pybot.py, Debian's python3-discord), a discord.js 14
// bot (testdata/jsbot, installed with npm ci) and discordgo in process. Each connects, answers
// a slash command and a prefix message, resumes after op 7 without losing a dispatch, and
// gives up on close code 4004 or a bad token instead of looping. If the simulator lets a real
// client do something real Discord would not (or the reverse), these tests are where it
// shows.
//
// The package has only tests; `make test` installs the tools they need first
// (scripts/prerequisites.sh), and they fail, rather than skip, when a tool is missing.
package conformance
