// Package simtest starts a discordsim.Server for a test and connects discordgo to it.
//
//	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
//	dg := simtest.Discordgo(t, srv) // REST goes to the simulator; dg.Open() dials its gateway
package simtest

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
)

// Start runs a simulator seeded with the demo guild until the test ends.
func Start(tb testing.TB, opts discordsim.Options) (*discordsim.Server, *discordsim.Demo) {
	tb.Helper()
	srv := New(tb, opts)
	demo, err := srv.SeedDemo()
	if err != nil {
		tb.Fatalf("discordsim: seed demo: %v", err)
	}
	return srv, demo
}

// New runs an empty simulator until the test ends.
func New(tb testing.TB, opts discordsim.Options) *discordsim.Server {
	tb.Helper()
	srv := discordsim.New(opts)
	if err := srv.Start(tb.Context()); err != nil {
		tb.Fatalf("discordsim: start: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// Discordgo returns a discordgo session for the simulator's bot token whose REST calls reach
// the simulator. It is not opened; Open connects to the simulator's gateway because discordgo
// asks GET /gateway for the URL.
func Discordgo(tb testing.TB, srv *discordsim.Server) *discordgo.Session {
	tb.Helper()
	dg, err := discordgo.New("Bot " + srv.Token())
	if err != nil {
		tb.Fatalf("discordgo: %v", err)
	}
	dg.Client = srv.HTTPClient()
	dg.ShouldReconnectOnError = false
	dg.ShouldRetryOnRateLimit = false
	return dg
}
