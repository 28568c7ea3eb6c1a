// Package discordsim is a fake Discord that speaks the real wire protocol on one HTTP port:
// Gateway v10 (JSON over websocket, optional zlib-stream) at /gateway and REST v10 under
// /api/v10. Real clients (discordgo, discord.py, discord.js) connect to it unchanged apart from
// their base URLs, so the bot under test runs exactly the code it runs in production.
//
// The simulator plays Discord and the human users at once. Tests and `make run` build guild
// state with the Go API (AddGuild, AddChannel, AddRole, AddMember or SeedDemo), drive the bot
// with Slash, Prefix, Click and SubmitModal, and read its answers from an Exchange. A JSON
// control API under /_sim does the same for people and scripts.
//
// Everything the simulator knows lives in one Server value guarded by one mutex: there is no
// package-level mutable state, so any number of simulators may run in one process.
package discordsim
