// Package discordsim is a fake Discord that speaks the real wire protocol on one HTTP port:
// Gateway v10 (JSON over websocket, optional zlib-stream) at /gateway (and /), and REST v10
// (v9 accepted) under /api. Real clients (discordgo, discord.py, discord.js) connect to it
// unchanged apart from their base URLs, so the bot under test runs the code it runs in
// production.
//
// The simulator plays Discord and the human users at once. Tests and `make run` build guild
// state with the Go API (AddGuild, AddChannel, AddRole, AddMember, or SeedDemo for a ready
// guild), drive the bot with Slash, Prefix, Click and SubmitModal, and read its answers from
// the returned Exchange. WaitFor and Changes wait for other effects (role changes, DMs...),
// and Requests lists every REST call the bot made. A JSON control API under /_sim does the
// same for people and scripts (see control.go).
//
// Typical use from a test (package simtest wraps the first lines):
//
//	srv := discordsim.New(discordsim.Options{HeartbeatInterval: time.Second})
//	if err := srv.Start(ctx); err != nil { ... }
//	defer srv.Close()
//	demo, _ := srv.SeedDemo()
//	dg, _ := discordgo.New("Bot " + srv.Token())
//	dg.Client = srv.HTTPClient() // rewrites https://discord.com/api/v9/ to the simulator
//	... register commands, dg.Open() ...
//	ex, _ := srv.Slash(ctx, discordsim.SlashRequest{UserID: demo.Members["player1"],
//		Text: "/headpat member:<@" + demo.Members["player2"].String() + ">"})
//	reply, _ := ex.WaitAnswer(ctx) // reply.Message.Content, reply.Ephemeral, ...
//
// The gateway enforces Discord's limits (Options.Gateway: send rate, payload size, identify
// concurrency and session starts, sharding, privileged intents) and can misbehave on demand:
// InjectGatewayFault, or POST /_sim/faults, drops connections, turns them into zombies, sends
// op 1, op 7 or op 9, closes with any code, or holds dispatches back (see faults.go).
//
// REST behaves like Discord's: every body is checked against the operation's schema in
// Discord's OpenAPI description (package openapi) and the message, embed and component limits,
// refusals are 50035 with field paths, and the bot's permissions in the channel are checked.
// Rate limits are enforced by default (per-route buckets keyed by major parameter, a global
// 50/s, 429s with scope; RateLimitMode RateLimitHeadersOnly turns refusals off), and
// InvalidRequests counts what Discord would ban on. AddRESTFault, or POST /_sim/rest-faults,
// makes chosen routes answer 429 or 5xx, or slowly (see rest_faults.go).
//
// Everything the simulator knows lives in one Server value guarded by one mutex; state changes
// and the dispatches they cause happen under it, so every session sees events in the order the
// state changed. There is no package-level mutable state: any number of simulators may run in
// one process.
package discordsim
