package discordsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// formErrorCode returns the first error code at a dotted path of a 50035 body ("" for the
// body itself), or "" when there is none.
func formErrorCode(e apiErrBody, path string) string {
	node := e.Errors
	if path != "" {
		for _, seg := range strings.Split(path, ".") {
			child, ok := node[seg].(map[string]any)
			if !ok {
				return ""
			}
			node = child
		}
	}
	list, _ := node["_errors"].([]any)
	if len(list) == 0 {
		return ""
	}
	first, _ := list[0].(map[string]any)
	code, _ := first["code"].(string)
	return code
}

// expectFormError checks a request fails with 50035 and an error at path.
func expectFormError(t *testing.T, srv *Server, method, path string, body any, field, code string) {
	t.Helper()
	e := expectAPIError(t, srv, method, path, body, http.StatusBadRequest, 50035)
	if got := formErrorCode(e, field); got != code {
		t.Fatalf("%s %s: error at %q = %q, want %q; errors %v", method, path, field, got, code, e.Errors)
	}
}

// TestSchemaValidationRefusesWhatDiscordRefuses is the proof the issue asks for: bodies that
// break the operation's schema in Discord's OpenAPI description are refused with 50035 and the
// field path, before any handler sees them.
func TestSchemaValidationRefusesWhatDiscordRefuses(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	app := "/applications/" + srv.Application().ID.String()
	general := "/channels/" + demo.Channels["general"].String()
	guild := "/guilds/" + demo.GuildID.String()
	tests := []struct {
		name, method, path string
		body               string
		field, code        string
	}{
		{"40-character global command name", "PUT", app + "/commands",
			`[{"name":"` + strings.Repeat("a", 40) + `","description":"too long a name"}]`, "0.name", "BASE_TYPE_BAD_LENGTH"},
		{"40-character guild command name", "PUT", app + guild + "/commands",
			`[{"name":"` + strings.Repeat("b", 40) + `","description":"too long a name"}]`, "0.name", "BASE_TYPE_BAD_LENGTH"},
		{"slowmode 30000", "PATCH", general, `{"rate_limit_per_user":30000}`, "rate_limit_per_user", "NUMBER_TYPE_MAX"},
		{"message content wrong type", "POST", general + "/messages", `{"content":["a"]}`, "content", "BASE_TYPE_STRING"},
		{"message nonce too long", "POST", general + "/messages", `{"content":"x","nonce":"` + strings.Repeat("n", 26) + `"}`, "nonce", "BASE_TYPE_MAX_LENGTH"},
		{"bulk delete with one id", "POST", general + "/messages/bulk-delete", `{"messages":["1"]}`, "messages", "BASE_TYPE_BAD_LENGTH"},
		{"overwrite type unknown", "PUT", general + "/permissions/" + demo.GuildID.String(), `{"type":5}`, "type", "BASE_TYPE_CHOICES"},
		{"role color out of range", "POST", guild + "/roles", `{"name":"x","color":16777216}`, "color", "NUMBER_TYPE_MAX"},
		{"member timeout not a date", "PATCH", guild + "/members/" + demo.Members["player1"].String(),
			`{"communication_disabled_until":"soon"}`, "communication_disabled_until", "DATE_TYPE_PARSE"},
		{"DM recipient not a snowflake", "POST", "/users/@me/channels", `{"recipient_id":"me"}`, "recipient_id", "NUMBER_TYPE_COERCE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectFormError(t, srv, tc.method, tc.path, tc.body, tc.field, tc.code)
		})
	}
	// Nothing was changed by the refused requests.
	if c, _ := srv.State().Channel(demo.Channels["general"]); c.RateLimitPerUser != 0 {
		t.Fatalf("slowmode changed to %d", c.RateLimitPerUser)
	}
	if cmds := srv.State().Commands(0); len(cmds) != 0 {
		t.Fatalf("commands registered: %v", cmds)
	}
}

// TestHandlerChecksStillApplyWithoutSchemaValidation shows the limits do not depend on the
// description alone: with schema validation off, the handlers refuse the same bodies.
func TestHandlerChecksStillApplyWithoutSchemaValidation(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{SkipSchemaValidation: true})
	app := "/applications/" + srv.Application().ID.String()
	general := "/channels/" + demo.Channels["general"].String()
	expectFormError(t, srv, "PUT", app+"/commands", `[{"name":"`+strings.Repeat("a", 40)+`","description":"d"}]`, "0.name", "APPLICATION_COMMAND_INVALID_NAME")
	expectFormError(t, srv, "PATCH", general, `{"rate_limit_per_user":30000}`, "rate_limit_per_user", "NUMBER_TYPE_MAX")
}

// TestMessageLimits covers Discord's message limits, each with its field path.
func TestMessageLimits(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	path := "/channels/" + demo.Channels["general"].String() + "/messages"
	s := strings.Repeat
	embeds := func(n int) string { return "[" + strings.TrimSuffix(s(`{"title":"t"},`, n), ",") + "]" }
	fields := func(n int) string {
		return "[" + strings.TrimSuffix(s(`{"name":"n","value":"v"},`, n), ",") + "]"
	}
	buttons := func(n int) string {
		var b []string
		for i := range n {
			b = append(b, fmt.Sprintf(`{"type":2,"style":1,"label":"b","custom_id":"b%d"}`, i))
		}
		return `{"type":1,"components":[` + strings.Join(b, ",") + `]}`
	}
	rows := func(n int) string { return "[" + strings.TrimSuffix(s(buttons(1)+",", n), ",") + "]" }
	options := func(n int) string {
		var o []string
		for i := range n {
			o = append(o, fmt.Sprintf(`{"label":"o%d","value":"o%d"}`, i, i))
		}
		return `[{"type":1,"components":[{"type":3,"custom_id":"pick","options":[` + strings.Join(o, ",") + `]}]}]`
	}
	tests := []struct {
		name, body  string
		field, code string // field "" and code "": the message is accepted
	}{
		{"content 2000", `{"content":"` + s("a", 2000) + `"}`, "", ""},
		{"content 2001", `{"content":"` + s("a", 2001) + `"}`, "content", "BASE_TYPE_MAX_LENGTH"},
		{"10 embeds", `{"embeds":` + embeds(10) + `}`, "", ""},
		{"11 embeds", `{"embeds":` + embeds(11) + `}`, "embeds", "BASE_TYPE_MAX_LENGTH"},
		{"title 257", `{"embeds":[{"title":"` + s("t", 257) + `"}]}`, "embeds.0.title", "BASE_TYPE_MAX_LENGTH"},
		{"description 4097", `{"embeds":[{"description":"` + s("d", 4097) + `"}]}`, "embeds.0.description", "BASE_TYPE_MAX_LENGTH"},
		{"25 fields", `{"embeds":[{"fields":` + fields(25) + `}]}`, "", ""},
		{"26 fields", `{"embeds":[{"fields":` + fields(26) + `}]}`, "embeds.0.fields", "BASE_TYPE_MAX_LENGTH"},
		{"field name 257", `{"embeds":[{"fields":[{"name":"` + s("n", 257) + `","value":"v"}]}]}`, "embeds.0.fields.0.name", "BASE_TYPE_MAX_LENGTH"},
		{"field value 1025", `{"embeds":[{"fields":[{"name":"n","value":"` + s("v", 1025) + `"}]}]}`, "embeds.0.fields.0.value", "BASE_TYPE_MAX_LENGTH"},
		{"footer 2049", `{"embeds":[{"footer":{"text":"` + s("f", 2049) + `"}}]}`, "embeds.0.footer.text", "BASE_TYPE_MAX_LENGTH"},
		{"author 257", `{"embeds":[{"author":{"name":"` + s("a", 257) + `"}}]}`, "embeds.0.author.name", "BASE_TYPE_MAX_LENGTH"},
		{"embeds total 6001", `{"embeds":[{"description":"` + s("d", 4096) + `"},{"description":"` + s("d", 1905) + `"}]}`, "embeds", "MAX_EMBED_SIZE_EXCEEDED"},
		{"embeds total 6000", `{"embeds":[{"description":"` + s("d", 4096) + `"},{"description":"` + s("d", 1904) + `"}]}`, "", ""},
		{"5 rows", `{"components":` + rows(5) + `}`, "", ""},
		{"6 rows", `{"components":` + rows(6) + `}`, "components", "BASE_TYPE_MAX_LENGTH"},
		{"5 buttons", `{"components":[` + buttons(5) + `]}`, "", ""},
		{"6 buttons", `{"components":[` + buttons(6) + `]}`, "components.0.components", "BASE_TYPE_BAD_LENGTH"},
		{"25 select options", `{"components":` + options(25) + `}`, "", ""},
		{"26 select options", `{"components":` + options(26) + `}`, "components.0.components.0.options", "BASE_TYPE_BAD_LENGTH"},
		{"custom_id 100", `{"components":[{"type":1,"components":[{"type":2,"style":1,"label":"x","custom_id":"` + s("c", 100) + `"}]}]}`, "", ""},
		{"custom_id 101", `{"components":[{"type":1,"components":[{"type":2,"style":1,"label":"x","custom_id":"` + s("c", 101) + `"}]}]}`,
			"components.0.components.0.custom_id", "BASE_TYPE_BAD_LENGTH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == "" {
				if st, _ := api(t, srv, "POST", path, tc.body, nil); st != http.StatusOK {
					t.Fatalf("status %d", st)
				}
				return
			}
			expectFormError(t, srv, "POST", path, tc.body, tc.field, tc.code)
		})
	}
}

// TestModalLimit checks the modal rule (at most five text inputs) the way the interaction
// callback applies it.
func TestModalLimit(t *testing.T) {
	t.Parallel()
	input := func(i int) Component {
		return Component{Type: ComponentActionRow, Components: []Component{{Type: ComponentTextInput, CustomID: fmt.Sprint("in", i), Label: "x", Style: 1}}}
	}
	for _, n := range []int{0, 1, 5, 6} {
		m := &Modal{CustomID: "m", Title: "t"}
		for i := range n {
			m.Components = append(m.Components, input(i))
		}
		e := validateModal(m)
		if ok := e == nil; ok != (n >= 1 && n <= 5) {
			t.Fatalf("%d inputs: err %v", n, e)
		}
		if e != nil && e.code != 50035 {
			t.Fatalf("%d inputs: code %d", n, e.code)
		}
	}
}
