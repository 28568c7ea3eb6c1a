package discordsim_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// A raw frame reaches the connected client as is; a redispatched interaction arrives again
// with the same id.
func TestFaultFrames(t *testing.T) {
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, srv.GatewayURL()+"?v=10&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	read := func() map[string]any {
		t.Helper()
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if m == nil {
			m = map[string]any{"raw": string(b)}
		}
		return m
	}
	read() // HELLO
	ident, _ := json.Marshal(map[string]any{"op": 2, "d": map[string]any{"token": srv.Token(), "intents": 1 | 1<<9,
		"properties": map[string]string{"os": "linux", "browser": "t", "device": "t"}}})
	if err := c.Write(ctx, websocket.MessageText, ident); err != nil {
		t.Fatal(err)
	}
	for m := read(); m["t"] != "GUILD_CREATE"; m = read() {
	}
	if _, err := srv.SendRawFrame(demo.GuildID, []byte(`{"op":0,"t":"X","s":`)); err != nil {
		t.Fatal(err)
	}
	if m := read(); m["raw"] != `{"op":0,"t":"X","s":` {
		t.Errorf("raw frame arrived as %v", m)
	}
	if _, err := srv.Redispatch(&discordsim.Exchange{}); err == nil {
		t.Error("redispatch of a non-interaction must fail")
	}
}
