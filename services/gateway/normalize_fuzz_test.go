package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/commands"
)

// FuzzFromInteraction feeds arbitrary interaction JSON to the normaliser, as both the
// websocket and the HTTP endpoint do: never a panic, a command always has its identity
// and a route, it always encodes for the bus (proto3 strings must be valid UTF-8), and a
// string option reaches the worker as the text the member typed (JSON-unescaped).
// Seeds are in testdata/fuzz/FuzzFromInteraction.
func FuzzFromInteraction(f *testing.F) {
	for _, s := range []string{
		slashHeadpat,
		`{"id":"6","type":3,"token":"t","guild_id":"10","member":{"user":{"id":"2"}},"message":{"id":"77"},"data":{"custom_id":"help:fun","values":["Fun"]}}`,
		`{"id":"7","type":5,"token":"t","user":{"id":"2"},"data":{"custom_id":"ticket:open","components":[{"type":1,"components":[{"type":4,"custom_id":"why","value":"because"}]}]}}`,
		`{"id":"8","type":2,"token":"t","user":{"id":"2"},"data":{"name":"config","options":[{"name":"set","type":1,"options":[{"name":"value","type":3,"value":"a\/b \u00e9 \"q\""}]}]}}`,
		`{"id":"9","type":2,"token":"t","user":{"id":"2"},"data":{"name":"clanker","options":[{"name":"image","type":11,"value":"55"}],"resolved":{"attachments":{"55":{"url":"https://cdn/x.png"}}}}}`,
		`{"id":"1","type":1,"token":"t"}`, `{"id":"2","type":4,"token":"t","user":{"id":"1"}}`, `[]`, `{"id":5}`,
	} {
		f.Add([]byte(s))
	}
	n := &normalizer{reg: commands.Novera(), guilds: newGuildCache()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		cmd, subject, ok, err := n.fromInteraction(raw, 0, time.Unix(1, 0))
		if err != nil || !ok {
			if cmd != nil || subject != "" {
				t.Fatalf("no command, yet %v on %q", cmd, subject)
			}
			return
		}
		if cmd.Id == "" || cmd.InteractionToken == "" || cmd.Invoker == nil {
			t.Fatalf("identity: %v", cmd)
		}
		if _, known := n.reg.Lookup(cmd.Name); !known && cmd.Name != commands.UnknownName {
			t.Fatalf("name %q is neither registered nor unknown", cmd.Name)
		}
		if !strings.HasPrefix(subject, "commands.") {
			t.Fatalf("subject %q", subject)
		}
		if _, err := proto.Marshal(cmd); err != nil {
			t.Fatalf("command does not encode for the bus: %v", err)
		}
		var in struct {
			Data struct {
				Options []wireOption `json:"options"`
			} `json:"data"`
		}
		if json.Unmarshal(raw, &in) != nil {
			return
		}
		typed := map[string]string{}
		var walk func([]wireOption)
		walk = func(opts []wireOption) {
			for _, o := range opts {
				var s string
				if o.Type == 3 && json.Unmarshal(o.Value, &s) == nil {
					typed[o.Name] = s
				}
				walk(o.Options)
			}
		}
		walk(in.Data.Options)
		for _, o := range cmd.Options {
			if want, ok := typed[o.Name]; ok && o.Value != want {
				// Several options may share a name across subcommands; check only the
				// unambiguous ones.
				if strings.Count(string(raw), `"name":"`+o.Name+`"`) == 1 {
					t.Fatalf("option %s = %q, typed %q", o.Name, o.Value, want)
				}
			}
		}
	})
}
