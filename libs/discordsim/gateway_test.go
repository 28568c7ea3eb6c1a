package discordsim

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestGatewayHelloAndHeartbeat(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{HeartbeatInterval: 2 * time.Second})
	g := dialGW(t, srv, "")
	var hello struct {
		HeartbeatInterval int64 `json:"heartbeat_interval"`
	}
	g.hello.decode(t, &hello)
	if hello.HeartbeatInterval != 2000 {
		t.Fatalf("heartbeat_interval = %d", hello.HeartbeatInterval)
	}
	if g.hello.T != nil || g.hello.S != nil {
		t.Fatalf("HELLO must carry t and s null")
	}
	g.send(map[string]any{"op": opHeartbeat, "d": nil})
	if f := g.read(); f.Op != opHeartbeatACK {
		t.Fatalf("got op %d, want ACK", f.Op)
	}
}

func TestGatewayIdentifyReadyGuildCreate(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	g := dialGW(t, srv, "")
	g.identify("Bot "+srv.Token(), IntentGuilds|IntentGuildMembers|IntentGuildMessages, map[string]any{
		"presence": map[string]any{"status": "online", "afk": false, "since": nil,
			"activities": []map[string]any{{"name": "commands | !help", "type": ActivityListening}}},
	})
	ready := g.expect("READY")
	if ready.seq() != 1 {
		t.Fatalf("READY s = %d, want 1", ready.seq())
	}
	var r struct {
		V    int `json:"v"`
		User struct {
			ID  Snowflake `json:"id"`
			Bot bool      `json:"bot"`
		} `json:"user"`
		Guilds []struct {
			ID          Snowflake `json:"id"`
			Unavailable bool      `json:"unavailable"`
		} `json:"guilds"`
		SessionID        string `json:"session_id"`
		ResumeGatewayURL string `json:"resume_gateway_url"`
		Shard            [2]int `json:"shard"`
		Application      struct {
			ID    Snowflake `json:"id"`
			Flags *int      `json:"flags"`
		} `json:"application"`
	}
	ready.decode(t, &r)
	switch {
	case r.V != 10, r.User.ID != srv.BotUser().ID, !r.User.Bot, r.SessionID == "",
		r.ResumeGatewayURL != srv.GatewayURL(), r.Shard != [2]int{0, 1},
		r.Application.ID != srv.Application().ID, r.Application.Flags == nil:
		t.Fatalf("bad READY: %s", ready.D)
	}
	if len(r.Guilds) != 1 || r.Guilds[0].ID != demo.GuildID || !r.Guilds[0].Unavailable {
		t.Fatalf("READY guilds = %+v", r.Guilds)
	}

	gc := g.expect("GUILD_CREATE")
	if gc.seq() != 2 {
		t.Fatalf("GUILD_CREATE s = %d, want 2", gc.seq())
	}
	var guild struct {
		ID          Snowflake `json:"id"`
		Name        string    `json:"name"`
		OwnerID     Snowflake `json:"owner_id"`
		Unavailable bool      `json:"unavailable"`
		MemberCount int       `json:"member_count"`
		JoinedAt    time.Time `json:"joined_at"`
		Roles       []struct {
			ID          Snowflake   `json:"id"`
			Name        string      `json:"name"`
			Permissions Permissions `json:"permissions"`
		} `json:"roles"`
		Channels []struct {
			ID   Snowflake `json:"id"`
			Name string    `json:"name"`
			Type int       `json:"type"`
		} `json:"channels"`
		Members []struct {
			User  struct{ ID Snowflake } `json:"user"`
			Roles []Snowflake            `json:"roles"`
		} `json:"members"`
	}
	gc.decode(t, &guild)
	if guild.ID != demo.GuildID || guild.Name != "Novera Demo" || guild.OwnerID != demo.Members["owner"] ||
		guild.Unavailable || guild.JoinedAt.IsZero() {
		t.Fatalf("bad GUILD_CREATE header: %s", truncate(gc.D))
	}
	if len(guild.Channels) != len(demo.Channels) || len(guild.Roles) != len(demo.Roles) ||
		len(guild.Members) != len(demo.Members) || guild.MemberCount != len(demo.Members) {
		t.Fatalf("GUILD_CREATE has %d channels, %d roles, %d members (count %d); demo has %d, %d, %d",
			len(guild.Channels), len(guild.Roles), len(guild.Members), guild.MemberCount,
			len(demo.Channels), len(demo.Roles), len(demo.Members))
	}
	for _, role := range guild.Roles {
		if role.Name == "Management" && !role.Permissions.Has(PermAdministrator) {
			t.Fatalf("Management lacks Administrator: %v", role.Permissions)
		}
		if role.Name == "Moderator" && !role.Permissions.Has(PermModerateMembers) {
			t.Fatalf("Moderator lacks MODERATE_MEMBERS")
		}
	}

	// Dispatches keep counting up.
	if _, err := srv.Dispatch(demo.GuildID, "CUSTOM_EVENT", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if f := g.expect("CUSTOM_EVENT"); f.seq() != 3 {
		t.Fatalf("s = %d, want 3", f.seq())
	}

	sessions := srv.State().Sessions()
	if len(sessions) != 1 || !sessions[0].Connected || sessions[0].ID != r.SessionID {
		t.Fatalf("sessions = %+v", sessions)
	}
	acts := sessions[0].Presence.Activities
	if len(acts) != 1 || acts[0].Name != "commands | !help" || acts[0].Type != ActivityListening {
		t.Fatalf("presence = %+v", sessions[0].Presence)
	}
}

func TestGatewayGuildMembersNeedIntent(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	g := dialGW(t, srv, "")
	g.identify(srv.Token(), IntentGuilds, nil)
	g.expect("READY")
	var guild struct {
		Members []json.RawMessage `json:"members"`
	}
	g.expect("GUILD_CREATE").decode(t, &guild)
	if len(guild.Members) != 1 {
		t.Fatalf("without GUILD_MEMBERS only the bot's member is sent, got %d", len(guild.Members))
	}
}

func TestGatewayCloseCodes(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	identify := func(token string) []byte {
		b, _ := json.Marshal(map[string]any{"op": 2, "d": map[string]any{"token": token, "intents": 1, "properties": map[string]string{}}})
		return b
	}
	tests := []struct {
		name  string
		query string
		sends [][]byte
		want  websocket.StatusCode
	}{
		{"bad token", "", [][]byte{identify("nope")}, CloseAuthenticationFailed},
		{"op before identify", "", [][]byte{[]byte(`{"op":3,"d":{"status":"online","activities":[],"afk":false,"since":null}}`)}, CloseNotAuthenticated},
		{"request members before identify", "", [][]byte{[]byte(`{"op":8,"d":{"guild_id":"1"}}`)}, CloseNotAuthenticated},
		{"unknown opcode", "", [][]byte{[]byte(`{"op":42,"d":null}`)}, CloseUnknownOpcode},
		{"invalid JSON", "", [][]byte{[]byte(`{"op":`)}, CloseDecodeError},
		{"missing op", "", [][]byte{[]byte(`{"d":1}`)}, CloseDecodeError},
		{"oversized payload", "", [][]byte{[]byte(`{"op":1,"d":"` + strings.Repeat("x", 4100) + `"}`)}, CloseDecodeError},
		{"identify twice", "", [][]byte{identify(srv.Token()), identify(srv.Token())}, CloseAlreadyAuthenticated},
		{"invalid shard", "", [][]byte{[]byte(`{"op":2,"d":{"token":"` + srv.Token() + `","intents":1,"properties":{},"shard":[2,2]}}`)}, CloseInvalidShard},
		{"missing intents", "", [][]byte{[]byte(`{"op":2,"d":{"token":"` + srv.Token() + `","properties":{}}}`)}, CloseInvalidIntents},
		{"bad api version", "&v=6", nil, CloseInvalidAPIVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := srv.GatewayURL() + "?encoding=json" + tc.query
			if tc.query == "" {
				u += "&v=10"
			}
			c, _, err := websocket.Dial(testCtx(t), u, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			g := &testGW{t: t, c: c}
			for _, b := range tc.sends {
				g.sendRaw(b)
			}
			g.expectClose(tc.want)
		})
	}
}

func TestGatewayHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{HeartbeatInterval: 100 * time.Millisecond})
	g := dialGW(t, srv, "")
	start := time.Now()
	g.expectClose(CloseSessionTimedOut)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closed after %v", d)
	}
}

func TestGatewayHeartbeatKeepsConnection(t *testing.T) {
	t.Parallel()
	// The timeout leaves room for a slow scheduler (-race, parallel tests); the loop still
	// runs well past it, so only the heartbeats can be keeping the connection open.
	srv, _ := newTestServer(t, Options{HeartbeatInterval: 100 * time.Millisecond, HeartbeatTimeout: 400 * time.Millisecond})
	g := dialGW(t, srv, "")
	for range 12 {
		time.Sleep(50 * time.Millisecond)
		g.send(map[string]any{"op": opHeartbeat, "d": nil})
		if f := g.read(); f.Op != opHeartbeatACK {
			t.Fatalf("got op %d", f.Op)
		}
	}
}

func TestGatewayResume(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	g, sessionID := connectBot(t, srv, IntentGuilds)
	if err := g.c.Close(4000, "going to resume"); err != nil {
		t.Fatal(err)
	}
	// Wait until the simulator has seen the disconnect, then send events the client misses.
	ctx := testCtx(t)
	if err := srv.WaitFor(ctx, func(s *State) bool {
		ss := s.Sessions()
		return len(ss) == 1 && !ss[0].Connected
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if n, _ := srv.Dispatch(demo.GuildID, "MISSED", map[string]int{"i": i}); n != 1 {
			t.Fatalf("dispatched to %d sessions, want the disconnected one", n)
		}
	}

	g2 := dialGW(t, srv, "")
	g2.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sessionID, "seq": 2}})
	for i, want := range []struct {
		name string
		seq  int64
	}{{"MISSED", 3}, {"MISSED", 4}, {"RESUMED", 5}} {
		f := g2.expect(want.name)
		if f.seq() != want.seq {
			t.Fatalf("frame %d: %s s=%d, want s=%d", i, f.name(), f.seq(), want.seq)
		}
	}
	// New events flow on the resumed connection.
	srv.Dispatch(demo.GuildID, "AFTER", nil)
	if f := g2.expect("AFTER"); f.seq() != 6 {
		t.Fatalf("AFTER s=%d", f.seq())
	}

	// A clean close (1000) ends the session: resuming it is refused with op 9 false.
	if err := g2.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitFor(ctx, func(s *State) bool { return len(s.Sessions()) == 0 }); err != nil {
		t.Fatal(err)
	}
	g3 := dialGW(t, srv, "")
	g3.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sessionID, "seq": 6}})
	f := g3.read()
	if f.Op != opInvalidSession || string(f.D) != "false" {
		t.Fatalf("got op %d d=%s, want op 9 false", f.Op, f.D)
	}
	// The connection may identify afresh after op 9.
	g3.identify(srv.Token(), IntentGuilds, nil)
	g3.expect("READY")
}

func TestGatewayResumeUnknownSessionAndBadSeq(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	g := dialGW(t, srv, "")
	g.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": "nope", "seq": 1}})
	if f := g.read(); f.Op != opInvalidSession || string(f.D) != "false" {
		t.Fatalf("got op %d %s", f.Op, f.D)
	}

	_, sessionID := connectBot(t, srv, IntentGuilds)
	g2 := dialGW(t, srv, "")
	g2.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sessionID, "seq": 999}})
	g2.expectClose(CloseInvalidSeq)
}

func TestGatewayShardRouting(t *testing.T) {
	t.Parallel()
	srv := New(Options{HeartbeatInterval: 30 * time.Second})
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// Ids chosen so that (id >> 22) % 2 is 0 and 1.
	even, odd := Snowflake(10<<22), Snowflake(11<<22)
	for _, id := range []Snowflake{even, odd} {
		if _, err := srv.AddGuild(Guild{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	for shard, want := range []Snowflake{even, odd} {
		g := dialGW(t, srv, "")
		g.identify(srv.Token(), IntentGuilds, map[string]any{"shard": []int{shard, 2}})
		var r struct {
			Guilds []struct{ ID Snowflake } `json:"guilds"`
			Shard  [2]int                   `json:"shard"`
		}
		g.expect("READY").decode(t, &r)
		if len(r.Guilds) != 1 || r.Guilds[0].ID != want || r.Shard != [2]int{shard, 2} {
			t.Fatalf("shard %d READY guilds %+v", shard, r.Guilds)
		}
		g.expect("GUILD_CREATE")
		srv.Dispatch(want, "MINE", nil)
		g.expect("MINE")
	}
}

func TestGatewayMessageContentIntent(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	without, _ := connectBot(t, srv, IntentGuildMessages)
	with, _ := connectBot(t, srv, IntentGuildMessages|IntentMessageContent)
	none, _ := connectBot(t, srv, IntentGuilds)
	ctx := testCtx(t)

	type msg struct {
		Content  string    `json:"content"`
		GuildID  Snowflake `json:"guild_id"`
		Author   struct{ ID Snowflake }
		Member   *json.RawMessage  `json:"member"`
		Mentions []json.RawMessage `json:"mentions"`
	}
	if _, err := srv.Prefix(ctx, MessageRequest{Content: "!rank hello"}); err != nil {
		t.Fatal(err)
	}
	var m1, m2 msg
	without.expect("MESSAGE_CREATE").decode(t, &m1)
	with.expect("MESSAGE_CREATE").decode(t, &m2)
	if m1.Content != "" || m2.Content != "!rank hello" {
		t.Fatalf("content without intent %q, with intent %q", m1.Content, m2.Content)
	}
	if m2.GuildID != demo.GuildID || m2.Author.ID != demo.Members["player1"] || m2.Member == nil {
		t.Fatalf("bad MESSAGE_CREATE: %+v", m2)
	}

	// Messages that mention the bot keep their content.
	mention := "<@" + srv.BotUser().ID.String() + "> help"
	if _, err := srv.Prefix(ctx, MessageRequest{Content: mention}); err != nil {
		t.Fatal(err)
	}
	without.expect("MESSAGE_CREATE").decode(t, &m1)
	if m1.Content != mention || len(m1.Mentions) != 1 {
		t.Fatalf("mentioning message: content %q, %d mentions", m1.Content, len(m1.Mentions))
	}

	// A session without GUILD_MESSAGES gets no MESSAGE_CREATE: the next thing it sees is the
	// marker sent after the messages.
	srv.Dispatch(demo.GuildID, "MARKER", nil)
	none.expect("MARKER")
}

func TestGatewayZlibStream(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	c, _, err := websocket.Dial(testCtx(t), srv.GatewayURL()+"?v=10&encoding=json&compress=zlib-stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 22)
	pr, pw := io.Pipe()
	go func() {
		for {
			typ, data, err := c.Read(context.Background())
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if typ != websocket.MessageBinary || !bytes.HasSuffix(data, []byte{0, 0, 0xff, 0xff}) {
				pw.CloseWithError(io.ErrUnexpectedEOF)
				return
			}
			pw.Write(data)
		}
	}()
	zr, err := zlib.NewReader(pr)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(zr)
	var hello gwFrame
	if err := dec.Decode(&hello); err != nil || hello.Op != opHello {
		t.Fatalf("hello: %v %+v", err, hello)
	}
	b, _ := json.Marshal(map[string]any{"op": 2, "d": map[string]any{"token": srv.Token(), "intents": IntentGuilds, "properties": map[string]string{}}})
	if err := c.Write(testCtx(t), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"READY", "GUILD_CREATE"} {
		var f gwFrame
		if err := dec.Decode(&f); err != nil || f.name() != want {
			t.Fatalf("want %s: %v %q", want, err, f.name())
		}
	}
}

func TestCloseGatewayConnectionsKeepsSessionsResumable(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	g, _ := connectBot(t, srv, IntentGuilds)
	if n := srv.CloseGatewayConnections(CloseUnknownError); n != 1 {
		t.Fatalf("closed %d", n)
	}
	g.expectClose(CloseUnknownError)
	if err := srv.WaitFor(testCtx(t), func(s *State) bool {
		ss := s.Sessions()
		return len(ss) == 1 && !ss[0].Connected
	}); err != nil {
		t.Fatal(err)
	}
}
