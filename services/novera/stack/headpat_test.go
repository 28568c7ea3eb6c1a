package stack

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/fun"
)

// A headpat by slash command and by prefix command travels simulator → gateway →
// JetStream → fun → PostgreSQL → REST → simulator; the third pat of the day moves the
// goodboy role to that member alone.
func TestHeadpatEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)

	r := e.slash("player1", "/headpat member:<@"+e.member("player2").String()+">")
	if r.Kind != discordsim.ReplyInteractionResponse || len(r.Message.Embeds) != 1 {
		t.Fatalf("slash reply: %+v", r)
	}
	if d := r.Message.Embeds[0].Description; !strings.Contains(d, "<@"+e.member("player2").String()+">") {
		t.Errorf("reply does not name the patted member: %q", d)
	}
	if got := e.pats("player2"); got != 1 {
		t.Fatalf("stored pats = %d, want 1", got)
	}

	// player3 held the role before; it must move to player2 alone on the third pat.
	if _, err := e.sim.AddMemberRole(e.demo.GuildID, e.member("player3"), e.demo.Roles["Goodboy"]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(t.Context(), `INSERT INTO fun.goodboy (guild_id, user_id, since) VALUES ($1, $2, now())`,
		e.demo.GuildID.String(), e.member("player3").String()); err != nil {
		t.Fatal(err)
	}
	r = e.prefix("player4", "!headpat <@"+e.member("player2").String()+">")
	if r.Kind != discordsim.ReplyMessage || r.Message.MessageReference == nil {
		t.Fatalf("prefix reply should answer the invoking message: %+v", r)
	}
	if e.hasRole("player2", "Goodboy") {
		t.Fatal("goodboy role given after two pats")
	}
	r = e.prefix("player5", "!HEADPAT <@!"+e.member("player2").String()+">")
	if len(r.Message.Embeds) != 2 {
		t.Fatalf("third pat should celebrate with a second embed, got %d embeds", len(r.Message.Embeds))
	}
	e.waitRole("player2", "Goodboy", true)
	e.waitRole("player3", "Goodboy", false)
	if got := e.pats("player2"); got != 3 {
		t.Errorf("stored pats = %d, want 3", got)
	}

	// Without a member, Mommy pats the invoker; patting yourself or the bot is scolded
	// and counts nothing.
	e.slash("player1", "/headpat")
	if got := e.pats("player1"); got != 1 {
		t.Errorf("self-service pat: stored %d, want 1", got)
	}
	r = e.prefix("player1", "!headpat <@"+e.member("player1").String()+">")
	if r.Message.Embeds[0].Color != 0xE5484D {
		t.Errorf("patting yourself should be scolded: %+v", r.Message.Embeds[0])
	}
	e.prefix("player1", "!headpat <@"+e.member("bot").String()+">")
	if got := e.pats("player1"); got != 1 {
		t.Errorf("scoldings counted: %d", got)
	}
}

// The same interaction delivered twice (a resume replay, say) produces one effect and
// one answer.
func TestDuplicateInteractionAnsweredOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	x, err := e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member("player1"), Text: "/headpat member:<@" + e.member("player2").String() + ">"})
	e.answer(x, err)
	if _, err := e.sim.Redispatch(x); err != nil {
		t.Fatal(err)
	}
	// A second, distinct command afterwards proves the pipeline has drained past the
	// duplicate before we count.
	e.slash("player3", "/headpat member:<@"+e.member("player4").String()+">")
	if got := e.pats("player2"); got != 1 {
		t.Errorf("duplicate interaction counted %d pats", got)
	}
	if n := len(x.Replies()); n != 1 {
		t.Errorf("duplicate interaction answered %d times", n)
	}
	callbacks := e.sim.Requests(discordsim.RequestFilter{Method: "POST", Route: "/interactions/{interaction_id}/{interaction_token}/callback",
		Match: func(r discordsim.RecordedRequest) bool { return strings.Contains(r.Path, x.InteractionID.String()) }})
	if len(callbacks) != 1 {
		t.Errorf("%d callbacks for one interaction", len(callbacks))
	}
}

// A worker that committed a command's effects but died before acknowledging it gets the
// command again; the redelivery must neither count again nor answer again.
func TestRedeliveryAfterCommitDoesNotDoubleCount(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	// The gateway and community run; fun is started by hand below.
	e := newEnv(t, Gateway, Community)

	// Build the command a player's prefix message becomes, and handle it with a fun
	// worker that is never acknowledged by the bus: this is the worker that dies after
	// its commit.
	msg, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!headpat <@" + e.member("player2").String() + ">"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := &busv1.Command{
		Id: msg.Trigger.ID.String(), Name: "headpat", MessageId: msg.Trigger.ID.String(),
		GuildId: e.demo.GuildID.String(), ChannelId: msg.ChannelID.String(), Source: busv1.Source_SOURCE_PREFIX,
		Invoker:    &busv1.Member{UserId: e.member("player1").String(), InGuild: true},
		Options:    []*busv1.Option{{Name: "member", Type: busv1.OptionType_OPTION_TYPE_USER, Value: e.member("player2").String()}},
		Users:      map[string]*busv1.Member{e.member("player2").String(): {UserId: e.member("player2").String(), InGuild: true}},
		ReceivedAt: timestamppb.Now(), Prefix: "!",
	}
	dying := e.funWorker()
	if err := dying.Handle(t.Context(), cmd); err != nil {
		t.Fatal(err)
	}
	if got := e.pats("player2"); got != 1 {
		t.Fatalf("first delivery stored %d pats", got)
	}

	// The bus delivers it again (the gateway's own publish of that message is waiting in
	// the stream too, plus one more copy under another message id, as a redelivery would
	// bring it): the restarted fun worker must apply nothing twice.
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	payload, _ := proto.Marshal(cmd)
	if _, err := b.Publish(t.Context(), "commands.fun.headpat", cmd.Id+"-redelivered", payload); err != nil {
		t.Fatal(err)
	}
	st, err := Start(t.Context(), Options{Token: e.opts.Token, APIURL: e.opts.APIURL, NATSURL: e.opts.NATSURL,
		DatabaseURL: e.opts.DatabaseURL, Services: []string{Fun}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop(context.Background())
	e.waitDrained(b, Fun)
	if got := e.pats("player2"); got != 1 {
		t.Errorf("redelivery counted again: %d pats", got)
	}
	if n := len(msg.Replies()); n != 1 {
		t.Errorf("redelivery answered again: %d replies", n)
	}
}

// funWorker builds a fun worker outside the stack, for tests that drive it directly.
func (e *env) funWorker() *worker.Worker {
	e.t.Helper()
	ctx := e.t.Context()
	a, err := app.New(ctx, app.Options{Name: "fun-direct", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = a.Close(context.Background()) })
	deps, err := a.Deps(ctx, e.opts.NATSURL, e.opts.DatabaseURL, e.opts.Token, e.opts.APIURL)
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := fun.New(ctx, deps)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// waitDrained waits until a durable consumer has nothing pending and nothing unacked.
func (e *env) waitDrained(b *bus.Bus, durable string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 15*time.Second)
	defer cancel()
	for {
		c, err := b.JetStream().Consumer(ctx, bus.StreamCommands, durable)
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			e.t.Fatalf("consumer %s did not drain", durable)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
