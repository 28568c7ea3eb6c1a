package gateway

import (
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/novera-bot/novera/libs/bus"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// TestMessageSubjects: bots' and webhooks' messages go to their own subject, so the
// consumers of members' chat are not sent our answers, and members' messages (prefix
// commands included) stay on events.MESSAGE_CREATE.
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
		raw  string
		want []string // subjects published, command first
	}{
		{"member's chat", `{"id":"1","guild_id":"10","channel_id":"11","content":"gg",` + member + `}`,
			[]string{"events.MESSAGE_CREATE"}},
		{"member's prefix command", `{"id":"2","guild_id":"10","channel_id":"11","content":"!headpat",` + member + `}`,
			[]string{"commands.fun.headpat", "events.MESSAGE_CREATE"}},
		{"bot's answer", `{"id":"3","guild_id":"10","channel_id":"11","content":"there there","author":{"id":"9","username":"novera","bot":true}}`,
			[]string{"events.MESSAGE_CREATE.bot"}},
		{"webhook's message", `{"id":"4","guild_id":"10","channel_id":"11","content":"!headpat","webhook_id":"7","author":{"id":"7","username":"hook"}}`,
			[]string{"events.MESSAGE_CREATE.bot"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.handle(ctx, dgw.Dispatch{Type: "MESSAGE_CREATE", Seq: int64(i + 1), SessionID: "s", Data: []byte(tc.raw)}, noop.Span{})
			if err != nil {
				t.Fatal(err)
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
