package discordsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type controlResponse struct {
	Error         string         `json:"error"`
	Replies       []controlReply `json:"replies"`
	InteractionID Snowflake      `json:"interaction_id"`
	MessageID     Snowflake      `json:"message_id"`
}

func control(t *testing.T, srv *Server, method, path, body string) (int, controlResponse) {
	t.Helper()
	st, out, err := controlRaw(srv, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return st, out
}

// controlRaw calls the control API; it does not touch testing.T so goroutines may use it.
func controlRaw(srv *Server, method, path, body string) (int, controlResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out controlResponse
	req, err := http.NewRequestWithContext(ctx, method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		return 0, out, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, out, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		return 0, out, fmt.Errorf("decode %q: %w", data, err)
	}
	return resp.StatusCode, out, nil
}

func TestControlCommands(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{HeartbeatInterval: time.Second})

	// Before the bot connects, a person is told so at once.
	if st, r := control(t, srv, "POST", "/_sim/commands", `{"text":"!ping"}`); st != 503 || r.Error == "" {
		t.Fatalf("offline bot: %d %+v", st, r)
	}
	startBot(t, srv, demo)

	st, r := control(t, srv, "POST", "/_sim/commands", `{"text":"/headpat member:player3"}`)
	if st != 200 || len(r.Replies) != 1 || r.InteractionID == 0 {
		t.Fatalf("slash: %d %+v", st, r)
	}
	if rep := r.Replies[0]; rep.Kind != ReplyInteractionResponse || rep.Content != "*pats <@"+demo.Members["player3"].String()+">*" ||
		len(rep.Embeds) != 1 || rep.Ephemeral || rep.ChannelID != demo.Channels["general"] || rep.MessageID == 0 {
		t.Fatalf("slash reply %+v", rep)
	}

	// A deferred answer and its follow-up arrive together; the bare deferral is listed too.
	st, r = control(t, srv, "POST", "/_sim/commands", `{"text":"/say text:two parts"}`)
	if st != 200 || len(r.Replies) != 3 || r.Replies[1].Content != "two parts" || !r.Replies[2].Ephemeral {
		t.Fatalf("say: %d %+v", st, r)
	}

	// Prefix commands, with explicit ids as strings or numbers.
	body := `{"text":"!multi","guild_id":"` + demo.GuildID.String() + `","channel_id":` + demo.Channels["wagers-1v1"].String() +
		`,"user_id":"` + demo.Members["player4"].String() + `"}`
	st, r = control(t, srv, "POST", "/_sim/commands", body)
	if st != 200 || len(r.Replies) != 2 || r.Replies[0].Content != "one" || r.Replies[1].Content != "two" ||
		r.Replies[0].ChannelID != demo.Channels["wagers-1v1"] || r.MessageID == 0 {
		t.Fatalf("prefix: %d %+v", st, r)
	}
	if msgs := srv.State().Messages(demo.Channels["wagers-1v1"]); len(msgs) != 3 || msgs[0].Author.ID != demo.Members["player4"] {
		t.Fatalf("history %v", msgs)
	}

	// No answer before the timeout.
	start := time.Now()
	st, r = control(t, srv, "POST", "/_sim/commands", `{"text":"/slow","timeout_ms":200}`)
	if st != 504 || r.Error == "" || r.Replies == nil || len(r.Replies) != 0 || time.Since(start) > 2*time.Second {
		t.Fatalf("timeout: %d %+v", st, r)
	}
}

func TestControlBadInput(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	connectBot(t, srv, IntentGuilds)
	tests := []struct{ name, body string }{
		{"bad JSON", `{"text":`},
		{"not an object", `[1]`},
		{"unknown field", `{"text":"!x","txt":"y"}`},
		{"empty text", `{"text":"   "}`},
		{"missing text", `{}`},
		{"unknown guild", `{"text":"!x","guild_id":"1"}`},
		{"unknown channel", `{"text":"!x","channel_id":"1"}`},
		{"channel of another guild", `{"text":"!x","guild_id":"` + demo.GuildID.String() + `","channel_id":"1"}`},
		{"unknown user", `{"text":"!x","user_id":"1"}`},
		{"bad snowflake", `{"text":"!x","user_id":"abc"}`},
		{"unknown slash command", `{"text":"/nope"}`},
		{"bad option", `{"text":"/say text:x count:many"}`},
		{"missing required option", `{"text":"/headpat"}`},
		{"negative timeout", `{"text":"!x","timeout_ms":-1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, r := control(t, srv, "POST", "/_sim/commands", tc.body)
			if st != 400 || r.Error == "" {
				t.Fatalf("got %d %+v", st, r)
			}
		})
	}
	if st, r := control(t, srv, "GET", "/_sim/commands", ""); st != 405 || r.Error == "" {
		t.Fatalf("GET commands: %d", st)
	}
	if st, r := control(t, srv, "GET", "/_sim/nope", ""); st != 404 || r.Error == "" {
		t.Fatalf("unknown endpoint: %d", st)
	}
}

func TestControlState(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	resp, err := http.Get(srv.URL() + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Application struct{ ID Snowflake }
		Guilds      []struct {
			ID       Snowflake
			Name     string
			Channels []struct {
				ID   Snowflake
				Name string
			}
			Roles []struct {
				ID          Snowflake
				Name        string
				Permissions Permissions
			}
			Members []struct {
				ID       Snowflake
				Username string
				Roles    []Snowflake
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Application.ID != srv.Application().ID || len(st.Guilds) != 1 {
		t.Fatalf("state %+v", st)
	}
	g := st.Guilds[0]
	if g.ID != demo.GuildID || g.Name != "Novera Demo" || len(g.Channels) != 13 || len(g.Roles) != len(demo.Roles) || len(g.Members) != len(demo.Members) {
		t.Fatalf("guild %+v", g)
	}
	for _, m := range g.Members {
		if m.ID == demo.Members["staff"] && (m.Username != "staff" || len(m.Roles) != 2) {
			t.Fatalf("staff %+v", m)
		}
	}

	// The message history endpoint serves people reading along.
	srv.Prefix(testCtx(t), MessageRequest{Content: "hello"})
	resp2, err := http.Get(srv.URL() + "/_sim/channels/" + demo.Channels["general"].String() + "/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	b, _ := io.ReadAll(resp2.Body)
	if resp2.StatusCode != 200 || !bytes.Contains(b, []byte(`"hello"`)) {
		t.Fatalf("messages: %d %s", resp2.StatusCode, b)
	}
}

func TestControlClickAndModal(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, 0)
	var posted struct{ ID Snowflake }
	api(t, srv, "POST", "/channels/"+demo.Channels["tickets"].String()+"/messages", map[string]any{
		"content":    "Need help?",
		"components": []map[string]any{{"type": 1, "components": []map[string]any{{"type": 2, "style": 1, "label": "Open ticket", "custom_id": "open"}}}},
	}, &posted)

	type result struct {
		st  int
		r   controlResponse
		err error
	}
	results := make(chan result, 1)
	go func() {
		st, r, err := controlRaw(srv, "POST", "/_sim/click", `{"message_id":"`+posted.ID.String()+`","custom_id":"open"}`)
		results <- result{st, r, err}
	}()
	ip := readInteraction(t, bot)
	callback(t, srv, ip, map[string]any{"type": 9, "data": map[string]any{"custom_id": "ticket", "title": "Ticket",
		"components": []map[string]any{{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": "topic", "label": "Topic", "style": 1}}}}}})
	res := <-results
	if res.err != nil || res.st != 200 || len(res.r.Replies) != 1 || res.r.Replies[0].Kind != ReplyModal || res.r.Replies[0].Modal.CustomID != "ticket" {
		t.Fatalf("click: %+v", res)
	}
	go func() {
		st, r, err := controlRaw(srv, "POST", "/_sim/modal", `{"interaction_id":"`+res.r.InteractionID.String()+`","values":{"topic":"refund"}}`)
		results <- result{st, r, err}
	}()
	ip = readInteraction(t, bot)
	callback(t, srv, ip, map[string]any{"type": 4, "data": map[string]any{"content": "Ticket opened", "flags": 64}})
	res = <-results
	if res.err != nil || res.st != 200 || res.r.Replies[0].Content != "Ticket opened" || !res.r.Replies[0].Ephemeral {
		t.Fatalf("modal: %+v", res)
	}
	if st, r := control(t, srv, "POST", "/_sim/click", `{"message_id":"1","custom_id":"open"}`); st != 400 || r.Error == "" {
		t.Fatalf("bad click: %d", st)
	}
}
