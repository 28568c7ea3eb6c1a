package gateway

import (
	"log/slog"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// TestMessageSubjects: bots' and webhooks' messages and edits go to their own subjects, so
// the consumers of members' chat are not sent our answers, and members' messages (prefix
// commands included) and edits stay on events.MESSAGE_CREATE and events.MESSAGE_UPDATE.
func TestMessageSubjects(t *testing.T) {
	ctx := t.Context()
	bu, err := bus.Connect(ctx, natstest.Start(t), bus.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bu.Close)
	svc := offlineService(t, bu)
	if svc.prefixes, err = guildconfig.WatchPrefixes(ctx, bu.JetStream()); err != nil {
		t.Fatal(err)
	}
	const member = `"author":{"id":"2","username":"amy"},"member":{"roles":[]}`
	tests := []struct {
		name string
		typ  string // MESSAGE_CREATE if empty
		raw  string
		want []string // subjects published, command first
	}{
		{"member's chat", "", `{"id":"1","guild_id":"10","channel_id":"11","content":"gg",` + member + `}`,
			[]string{"events.MESSAGE_CREATE"}},
		{"member's prefix command", "", `{"id":"2","guild_id":"10","channel_id":"11","content":"!headpat",` + member + `}`,
			[]string{"commands.fun.headpat", "events.MESSAGE_CREATE"}},
		{"bot's answer", "", `{"id":"3","guild_id":"10","channel_id":"11","content":"there there","author":{"id":"9","username":"novera","bot":true}}`,
			[]string{"events.MESSAGE_CREATE.bot"}},
		{"webhook's message", "", `{"id":"4","guild_id":"10","channel_id":"11","content":"!headpat","webhook_id":"7","author":{"id":"7","username":"hook"}}`,
			[]string{"events.MESSAGE_CREATE.bot"}},
		{"member's edit", "MESSAGE_UPDATE", `{"id":"1","guild_id":"10","channel_id":"11","content":"!headpat",` + member + `}`,
			[]string{"events.MESSAGE_UPDATE"}},
		// Every answer that fills a deferred response comes back as one of these.
		{"bot's edit", "MESSAGE_UPDATE", `{"id":"3","guild_id":"10","channel_id":"11","content":"there there","author":{"id":"9","username":"novera","bot":true}}`,
			[]string{"events.MESSAGE_UPDATE.bot"}},
		{"webhook's edit", "MESSAGE_UPDATE", `{"id":"4","guild_id":"10","channel_id":"11","content":"x","webhook_id":"7","author":{"id":"7","username":"hook"}}`,
			[]string{"events.MESSAGE_UPDATE.bot"}},
		{"an edit without its message's id", "MESSAGE_UPDATE", `{"guild_id":"10","channel_id":"11"}`,
			[]string{"events.MESSAGE_UPDATE"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ := tc.typ
			if typ == "" {
				typ = "MESSAGE_CREATE"
			}
			out, err := svc.handle(ctx, dgw.Dispatch{Type: typ, Seq: int64(i + 1), SessionID: "s", Data: []byte(tc.raw)}, noop.Span{})
			if err != nil {
				t.Fatal(err)
			}
			var ev busv1.Event
			last := out.msgs[len(out.msgs)-1]
			if err := proto.Unmarshal(last.payload, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.GuildId != "10" || ev.Type != typ {
				t.Errorf("event %s of guild %q, want %s of guild 10", ev.Type, ev.GuildId, typ)
			}
			if typ == "MESSAGE_UPDATE" && ev.Id != "0:s:"+strconv.Itoa(i+1) {
				t.Errorf("an edit identified as %q, want its place in the session", ev.Id)
			}
			var got []string
			for _, m := range out.msgs {
				got = append(got, m.subject)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("published to %v; want %v", got, tc.want)
			}
			for j := range got {
				if got[j] != tc.want[j] {
					t.Errorf("published to %v; want %v", got, tc.want)
				}
			}
		})
	}
}
