package discord

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// pingClient starts a simulator with a /ping command and a client of it; app is the
// application id.
func pingClient(t *testing.T) (sim *discordsim.Server, demo *discordsim.Demo, c *Client, app string) {
	t.Helper()
	sim, demo = simtest.Start(t, discordsim.Options{})
	c, err := New(Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	app = sim.Application().ID.String()
	if err := c.OverwriteCommands(t.Context(), app, "", []*discordgo.ApplicationCommand{{Name: "ping", Description: "ping"}}); err != nil {
		t.Fatal(err)
	}
	return sim, demo, c, app
}

func TestClientAgainstSimulator(t *testing.T) {
	sim, demo, c, _ := pingClient(t)
	ctx := t.Context()
	me, err := c.Me(ctx)
	if err != nil || me.ID != sim.BotUser().ID.String() {
		t.Fatalf("Me: %v %v", me, err)
	}

	// Answering the same interaction twice is success: the second is Discord's 40060.
	x, err := sim.Slash(ctx, discordsim.SlashRequest{Text: "/ping"})
	if err != nil {
		t.Fatal(err)
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "pong"}}
	for i := 0; i < 2; i++ {
		if err := c.Respond(ctx, x.InteractionID.String(), x.InteractionToken, resp); err != nil {
			t.Fatalf("respond #%d: %v", i+1, err)
		}
	}
	if n := len(x.Replies()); n != 1 {
		t.Errorf("%d replies", n)
	}

	// A message with a nonce is posted once however often it is sent.
	general := demo.Channels["general"].String()
	m := &MessageCreate{MessageSend: discordgo.MessageSend{Content: "hi"}, Nonce: "n-1", EnforceNonce: true}
	first, err := c.SendMessage(ctx, general, m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.SendMessage(ctx, general, m)
	if err != nil || again.ID != first.ID {
		t.Errorf("nonce not honoured: %v vs %v (%v)", first.ID, again, err)
	}

	// Roles are idempotent.
	user, role := demo.Members["player1"].String(), demo.Roles["Goodboy"].String()
	for i := 0; i < 2; i++ {
		if err := c.AddRole(ctx, demo.GuildID.String(), user, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.RemoveRole(ctx, demo.GuildID.String(), user, role); err != nil {
		t.Fatal(err)
	}

	// Errors are classified: a missing member is final, a bad token is Unauthorized.
	_, err = c.Session().GuildMember(demo.GuildID.String(), "1", discordgo.WithContext(ctx))
	if code, status := Code(err); (code != CodeUnknownMember && code != CodeUnknownUser) || status != 404 || Transient(err) {
		t.Errorf("unknown member: code=%d status=%d transient=%v", code, status, Transient(err))
	}
	bad, _ := New(Config{Token: "wrong", APIURL: sim.APIURL()})
	if _, err := bad.Me(ctx); !Unauthorized(err) || Transient(err) {
		t.Errorf("bad token: %v", err)
	}
	// Nothing listens here: a network error is worth a retry.
	down, _ := New(Config{Token: "x", APIURL: "http://127.0.0.1:1/api/v10"})
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := down.Me(cctx); !Transient(err) {
		t.Errorf("network error should be transient: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{{}, {Token: "t", APIURL: "discord.com"}, {Token: "t", APIURL: "ftp://x/y"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// Only a 401 about the bot's own token is Unauthorized: an interaction's token that has
// expired (401 with code 50027) is that interaction's problem.
func TestUnauthorized(t *testing.T) {
	restErr := func(status, code int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: status}, Message: &discordgo.APIErrorMessage{Code: code}}
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"bad bot token", restErr(401, 0), true},
		{"expired interaction token", restErr(401, CodeInvalidWebhookToken), false},
		{"missing permissions", restErr(403, CodeMissingPermissions), false},
		{"network", errors.New("connection refused"), false},
	} {
		if got := Unauthorized(tc.err); got != tc.want {
			t.Errorf("%s: Unauthorized = %v", tc.name, got)
		}
	}
}

// Deferred answers become edits of the original response; edits of different
// interactions must not wait for each other. (discordgo's InteractionResponseEdit files
// them all under one bucket held for each round trip: under load every deferred answer of
// a process went out one at a time, and the backlog fed itself.)
func TestAnswerEditsDoNotQueueBehindEachOther(t *testing.T) {
	sim, _, c, app := pingClient(t)
	ctx := t.Context()
	const n, delay = 8, 300 * time.Millisecond
	xs := make([]*discordsim.Exchange, n)
	for i := range xs {
		var err error
		if xs[i], err = sim.Slash(ctx, discordsim.SlashRequest{Text: "/ping"}); err != nil {
			t.Fatal(err)
		}
		deferral := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
		if err := c.Respond(ctx, xs[i].InteractionID.String(), xs[i].InteractionToken, deferral); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sim.AddRESTFault(discordsim.RESTFault{Method: "PATCH", Route: "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", Delay: delay}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	errs := make(chan error, n)
	for _, x := range xs {
		go func() {
			errs <- c.Answer(ctx, app, x.InteractionID.String(), x.InteractionToken, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "pong"}})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// One after another would take n × delay (2.4 s); together, about one delay.
	if took := time.Since(start); took > n*delay/2 {
		t.Errorf("%d edits delayed %v each took %v: they queued behind each other", n, delay, took)
	}
	for i, x := range xs {
		r, err := x.WaitAnswer(ctx)
		if err != nil || r.Message.Content != "pong" {
			t.Errorf("interaction %d: %+v %v", i, r.Message, err)
		}
	}
}
