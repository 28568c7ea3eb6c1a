package discordsim

import (
	"net/http"
	"testing"
	"time"
)

// TestInteractionCallbackTypes answers a slash command with each callback type: 4, 5 and 9
// are valid for a command, 6 and 7 only for components, 8 only for autocomplete, and an
// unknown type is refused by the schema.
func TestInteractionCallbackTypes(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, IntentGuildMessages)
	modal := map[string]any{"custom_id": "m", "title": "Why", "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "why", "style": 1, "label": "Why"}}}}}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   int
	}{
		{"4 message", map[string]any{"type": 4, "data": map[string]any{"content": "hi"}}, http.StatusNoContent, 0},
		{"5 deferred message", map[string]any{"type": 5, "data": map[string]any{"flags": FlagEphemeral}}, http.StatusNoContent, 0},
		{"6 deferred update", map[string]any{"type": 6}, http.StatusBadRequest, 50035},
		{"7 update", map[string]any{"type": 7, "data": map[string]any{"content": "x"}}, http.StatusBadRequest, 50035},
		{"8 autocomplete result", map[string]any{"type": 8, "data": map[string]any{"choices": []any{}}}, http.StatusBadRequest, 50035},
		{"9 modal", map[string]any{"type": 9, "data": modal}, http.StatusNoContent, 0},
		{"9 modal with six inputs", map[string]any{"type": 9, "data": map[string]any{"custom_id": "m", "title": "t",
			"components": []any{modal["components"].([]any)[0], modal["components"].([]any)[0], modal["components"].([]any)[0],
				modal["components"].([]any)[0], modal["components"].([]any)[0], modal["components"].([]any)[0]}}}, http.StatusBadRequest, 50035},
		{"unknown type", map[string]any{"type": 42}, http.StatusBadRequest, 50035},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := srv.Slash(testCtx(t), SlashRequest{Text: "/headpat member:player2"}); err != nil {
				t.Fatal(err)
			}
			ip := readInteraction(t, bot)
			st, e := callback(t, srv, ip, tc.body)
			if st != tc.status || e.Code != tc.code {
				t.Fatalf("got %d %+v", st, e)
			}
			if tc.status == http.StatusNoContent {
				// One acknowledgement only.
				if st, e := callback(t, srv, ip, tc.body); st != 400 || e.Code != 40060 {
					t.Fatalf("second acknowledgement %d %+v", st, e)
				}
			}
			// Drain the MESSAGE_CREATE a public response dispatches.
			if tc.name == "4 message" {
				bot.expect("MESSAGE_CREATE")
			}
		})
	}
}

// TestInteractionTokenLifetime checks follow-ups work while the token lives and fail after.
func TestInteractionTokenLifetime(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{InteractionTokenTTL: 400 * time.Millisecond})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, IntentGuildMessages)
	if _, err := srv.Slash(testCtx(t), SlashRequest{Text: "/headpat member:player2"}); err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	if st, _ := callback(t, srv, ip, map[string]any{"type": 5}); st != http.StatusNoContent {
		t.Fatalf("defer: %d", st)
	}
	if st, _ := api(t, srv, "PATCH", webhookPath(srv, ip)+"/messages/@original", map[string]any{"content": "done"}, nil); st != 200 {
		t.Fatalf("edit @original: %d", st)
	}
	time.Sleep(600 * time.Millisecond)
	var e apiErrBody
	st, _ := api(t, srv, "POST", webhookPath(srv, ip), map[string]any{"content": "too late"}, &e)
	if (st != 401 || e.Code != 50027) && (st != 404 || e.Code != 10015) {
		t.Fatalf("follow-up after the token expired: %d %+v", st, e)
	}
}
