package openapi

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// spec parses the embedded description once for the whole test binary.
var spec = sync.OnceValues(Embedded)

func mustSpec(t *testing.T) *Spec {
	t.Helper()
	s, err := spec()
	if err != nil {
		t.Fatalf("embedded description: %v", err)
	}
	return s
}

func TestEmbeddedDescriptionHasTheOperationsTheSimulatorServes(t *testing.T) {
	t.Parallel()
	s := mustSpec(t)
	tests := []struct {
		method, path string
		body         bool
	}{
		{"PUT", "/applications/{application_id}/commands", true},
		{"PUT", "/applications/{application_id}/guilds/{guild_id}/commands", true},
		{"POST", "/interactions/{interaction_id}/{interaction_token}/callback", true},
		{"POST", "/webhooks/{webhook_id}/{webhook_token}", true},
		{"PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", true},
		{"POST", "/channels/{channel_id}/messages", true},
		{"PATCH", "/channels/{channel_id}", true},
		{"POST", "/channels/{channel_id}/messages/bulk-delete", true},
		{"PUT", "/channels/{channel_id}/permissions/{overwrite_id}", true},
		{"POST", "/guilds/{guild_id}/roles", true},
		{"PATCH", "/guilds/{guild_id}/roles", true},
		{"PATCH", "/guilds/{guild_id}/members/{user_id}", true},
		// Parameter names do not matter, only the shape of the path.
		{"PUT", "/channels/{c}/messages/{m}/reactions/{e}/@me", false},
		{"GET", "/users/@me", false},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			op, err := s.Operation(tc.method, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if (op.Body != nil) != tc.body {
				t.Fatalf("body schema present = %v, want %v", op.Body != nil, tc.body)
			}
		})
	}
	if _, err := s.Operation("GET", "/no/such/path"); !errors.Is(err, ErrUnknownOperation) {
		t.Fatalf("unknown path: %v", err)
	}
}

func TestValidateOperations(t *testing.T) {
	t.Parallel()
	s := mustSpec(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	type want struct{ path, code string }
	tests := []struct {
		name, method, route, body string
		want                      []want // empty: valid
	}{
		{"command ok", "PUT", "/applications/{a}/commands",
			`[{"name":"headpat","description":"Pat someone","type":1,"default_member_permissions":"8","options":[{"type":6,"name":"member","description":"who","required":true}]}]`, nil},
		{"command name 40 characters", "PUT", "/applications/{a}/commands",
			`[{"name":"` + long(40) + `","description":"x"}]`, []want{{"0.name", "BASE_TYPE_BAD_LENGTH"}}},
		{"command name missing", "PUT", "/applications/{a}/commands",
			`[{"description":"x"}]`, []want{{"0.name", "BASE_TYPE_REQUIRED"}}},
		{"command type out of enum", "PUT", "/applications/{a}/commands",
			`[{"name":"x","type":9}]`, []want{{"0.type", "BASE_TYPE_CHOICES"}}},
		{"string option max_length over 6000 (discriminated by type)", "PUT", "/applications/{a}/commands",
			`[{"name":"x","description":"y","options":[{"type":3,"name":"o","description":"d","max_length":7000}]}]`,
			[]want{{"0.options.0.max_length", "NUMBER_TYPE_MAX"}}},
		{"26 options", "PUT", "/applications/{a}/commands",
			`[{"name":"x","description":"y","options":[` + strings.TrimSuffix(strings.Repeat(`{"type":5,"name":"o","description":"d"},`, 26), ",") + `]}]`,
			[]want{{"0.options", "BASE_TYPE_MAX_LENGTH"}}},
		{"permissions as a number", "PUT", "/applications/{a}/commands",
			`[{"name":"x","description":"y","default_member_permissions":8}]`, nil},
		{"permissions not a number", "PUT", "/applications/{a}/commands",
			`[{"name":"x","description":"y","default_member_permissions":"lots"}]`, []want{{"0.default_member_permissions", "NUMBER_TYPE_COERCE"}}},
		{"slowmode ok", "PATCH", "/channels/{c}", `{"rate_limit_per_user":21600}`, nil},
		{"slowmode 30000", "PATCH", "/channels/{c}", `{"rate_limit_per_user":30000}`, []want{{"rate_limit_per_user", "NUMBER_TYPE_MAX"}}},
		{"slowmode negative", "PATCH", "/channels/{c}", `{"rate_limit_per_user":-1}`, []want{{"rate_limit_per_user", "NUMBER_TYPE_MIN"}}},
		{"slowmode as a word", "PATCH", "/channels/{c}", `{"rate_limit_per_user":"slow"}`, []want{{"rate_limit_per_user", "NUMBER_TYPE_COERCE"}}},
		{"message ok", "POST", "/channels/{c}/messages",
			`{"content":"hi","nonce":"abc","enforce_nonce":true,"embeds":[{"title":"t","fields":[{"name":"n","value":"v"}]}]}`, nil},
		{"message content not a string", "POST", "/channels/{c}/messages", `{"content":5}`, []want{{"content", "BASE_TYPE_STRING"}}},
		{"message 11 embeds", "POST", "/channels/{c}/messages",
			`{"embeds":[` + strings.TrimSuffix(strings.Repeat(`{"title":"t"},`, 11), ",") + `]}`, []want{{"embeds", "BASE_TYPE_MAX_LENGTH"}}},
		{"embed title 257", "POST", "/channels/{c}/messages", `{"embeds":[{"title":"` + long(257) + `"}]}`, []want{{"embeds.0.title", "BASE_TYPE_MAX_LENGTH"}}},
		{"nonce too long", "POST", "/channels/{c}/messages", `{"content":"x","nonce":"` + long(26) + `"}`, []want{{"nonce", "BASE_TYPE_MAX_LENGTH"}}},
		{"nonce integer", "POST", "/channels/{c}/messages", `{"content":"x","nonce":12345}`, nil},
		{"button custom_id 101", "POST", "/channels/{c}/messages",
			`{"components":[{"type":1,"components":[{"type":2,"style":1,"label":"x","custom_id":"` + long(101) + `"}]}]}`,
			[]want{{"components.0.components.0.custom_id", "BASE_TYPE_BAD_LENGTH"}}},
		{"callback ok", "POST", "/interactions/{i}/{t}/callback", `{"type":4,"data":{"content":"hi","flags":64}}`, nil},
		{"callback deferred without data", "POST", "/interactions/{i}/{t}/callback", `{"type":5}`, nil},
		{"callback type unknown", "POST", "/interactions/{i}/{t}/callback", `{"type":42}`, []want{{"type", "BASE_TYPE_CHOICES"}}},
		{"callback type missing", "POST", "/interactions/{i}/{t}/callback", `{"data":{}}`, []want{{"type", "BASE_TYPE_REQUIRED"}}},
		{"modal title too long", "POST", "/interactions/{i}/{t}/callback",
			`{"type":9,"data":{"custom_id":"m","title":"` + long(46) + `","components":[{"type":1,"components":[{"type":4,"custom_id":"a","style":1,"label":"A"}]}]}}`,
			[]want{{"data.title", "BASE_TYPE_BAD_LENGTH"}}},
		{"bulk delete one id", "POST", "/channels/{c}/messages/bulk-delete", `{"messages":["1"]}`, []want{{"messages", "BASE_TYPE_BAD_LENGTH"}}},
		{"bulk delete not snowflakes", "POST", "/channels/{c}/messages/bulk-delete", `{"messages":["1","x"]}`, []want{{"messages.1", "NUMBER_TYPE_COERCE"}}},
		{"bulk delete duplicates", "POST", "/channels/{c}/messages/bulk-delete", `{"messages":["1","1"]}`, []want{{"messages", "SET_TYPE_ALREADY_CONTAINS_VALUE"}}},
		{"timeout date", "PATCH", "/guilds/{g}/members/{u}", `{"communication_disabled_until":"2026-12-01T00:00:00Z"}`, nil},
		{"timeout not a date", "PATCH", "/guilds/{g}/members/{u}", `{"communication_disabled_until":"tomorrow"}`, []want{{"communication_disabled_until", "DATE_TYPE_PARSE"}}},
		{"role reorder ok", "PATCH", "/guilds/{g}/roles", `[{"id":"1","position":2}]`, nil},
		{"role color too big", "POST", "/guilds/{g}/roles", `{"name":"x","color":16777216}`, []want{{"color", "NUMBER_TYPE_MAX"}}},
		{"required body missing", "PUT", "/applications/{a}/commands", ``, []want{{"", "BASE_TYPE_ARRAY"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, err := s.Operation(tc.method, tc.route)
			if err != nil {
				t.Fatal(err)
			}
			got, err := op.Validate([]byte(tc.body))
			if err != nil {
				t.Fatalf("validate: %v", err)
			}
			if len(tc.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("valid body refused: %v", got)
				}
				return
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					found = found || (g.Path == w.path && g.Code == w.code)
				}
				if !found {
					t.Fatalf("want %s %s, got %v", w.path, w.code, got)
				}
			}
		})
	}
}

func TestValidateRejectsInvalidJSON(t *testing.T) {
	t.Parallel()
	op, err := mustSpec(t).Operation("POST", "/channels/{c}/messages")
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{`, `{"a":1}{}`, `nope`} {
		if _, err := op.Validate([]byte(body)); !errors.Is(err, ErrInvalidJSON) {
			t.Fatalf("%q: err %v", body, err)
		}
	}
}

// TestEmbeddedDescriptionCompiles compiles every operation and schema of the embedded copy,
// so that no request can meet a broken $ref at run time.
func TestEmbeddedDescriptionCompiles(t *testing.T) {
	t.Parallel()
	s, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestBrokenDescriptions(t *testing.T) {
	t.Parallel()
	doc := `{"paths":{"/x":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Missing"}}}}}}},"components":{"schemas":{}}}`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Operation("POST", "/x"); err == nil {
		t.Fatal("broken $ref accepted")
	}
	if err := s.Check(); err == nil {
		t.Fatal("Check passed a broken $ref")
	}
	if _, err := Parse([]byte(`{`)); err == nil {
		t.Fatal("broken JSON accepted")
	}
}

// TestKeywords exercises each keyword on a small hand-written description.
func TestKeywords(t *testing.T) {
	t.Parallel()
	doc := `{"paths":{},"components":{"schemas":{
	  "Obj":{"type":"object","required":["id"],"minProperties":1,"properties":{
	    "id":{"$ref":"#/components/schemas/Snowflake"},
	    "kind":{"type":"string","enum":["a","b"]},
	    "tags":{"type":"array","items":{"type":"string","pattern":"^[a-z]+$"},"uniqueItems":true,"minItems":1},
	    "url":{"type":"string","format":"uri"},
	    "when":{"type":"string","format":"date-time"},
	    "n":{"type":["number","null"],"minimum":0.5,"maximum":1.5},
	    "flag":{"type":"boolean"},
	    "labels":{"type":"object","additionalProperties":{"type":"string","maxLength":3}},
	    "pick":{"oneOf":[{"type":"null"},{"type":"integer","const":7}]},
	    "both":{"allOf":[{"type":"string","minLength":2},{"type":"string","maxLength":3}]}
	  }},
	  "Snowflake":{"type":"string","pattern":"^(0|[1-9][0-9]*)$","format":"snowflake"}
	}}}`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Schema("Obj")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		body, path, code string // code "" means valid
	}{
		{`{"id":"1"}`, "", ""},
		{`{"id":123}`, "", ""}, // snowflakes may be numbers
		{`{}`, "id", "BASE_TYPE_REQUIRED"},
		{`{"id":"x1"}`, "id", "NUMBER_TYPE_COERCE"},
		{`{"id":"1","kind":"c"}`, "kind", "BASE_TYPE_CHOICES"},
		{`{"id":"1","tags":[]}`, "tags", "BASE_TYPE_MIN_LENGTH"},
		{`{"id":"1","tags":["a","a"]}`, "tags", "SET_TYPE_ALREADY_CONTAINS_VALUE"},
		{`{"id":"1","tags":["A"]}`, "tags.0", "STRING_TYPE_REGEX"},
		{`{"id":"1","url":"not a url"}`, "url", "URL_TYPE_INVALID_URL"},
		{`{"id":"1","url":"https://example.com/x"}`, "", ""},
		{`{"id":"1","when":"yesterday"}`, "when", "DATE_TYPE_PARSE"},
		{`{"id":"1","n":2}`, "n", "NUMBER_TYPE_MAX"},
		{`{"id":"1","n":0.1}`, "n", "NUMBER_TYPE_MIN"},
		{`{"id":"1","n":null}`, "", ""},
		{`{"id":"1","flag":"yes"}`, "flag", "BASE_TYPE_BOOLEAN"},
		{`{"id":"1","labels":{"x":"long"}}`, "labels.x", "BASE_TYPE_MAX_LENGTH"},
		{`{"id":"1","pick":7}`, "", ""},
		{`{"id":"1","pick":null}`, "", ""},
		{`{"id":"1","pick":8}`, "pick", "BASE_TYPE_CHOICES"},
		{`{"id":"1","both":"a"}`, "both", "BASE_TYPE_MIN_LENGTH"},
		{`{"id":"1","both":"abcd"}`, "both", "BASE_TYPE_MAX_LENGTH"},
		{`{"id":"1","unknown":{"anything":true}}`, "", ""}, // Discord ignores unknown keys
		{`[]`, "", "DICT_TYPE_CONVERT"},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			got, err := ValidateJSON(obj, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.code == "" {
				if len(got) > 0 {
					t.Fatalf("valid body refused: %v", got)
				}
				return
			}
			if len(got) == 0 || got[0].Path != tc.path || got[0].Code != tc.code {
				t.Fatalf("want %s %s, got %v", tc.path, tc.code, got)
			}
		})
	}
}

// FuzzValidate feeds arbitrary bodies to a few operations: the validator must never panic or
// hang, whatever a client sends.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{`{"content":"x"}`, `[{"name":"a"}]`, `{"rate_limit_per_user":1e1000000000}`,
		`{"type":4,"data":{"components":[{"type":1,"components":[{"type":2}]}]}}`, `null`, `"x"`, `{"nonce":-1.5e3}`} {
		f.Add(seed)
	}
	s, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	var ops []*Operation
	for _, r := range [][2]string{{"POST", "/channels/{c}/messages"}, {"PUT", "/applications/{a}/commands"},
		{"PATCH", "/channels/{c}"}, {"POST", "/interactions/{i}/{t}/callback"}} {
		op, err := s.Operation(r[0], r[1])
		if err != nil {
			f.Fatal(err)
		}
		ops = append(ops, op)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, op := range ops {
			_, _ = op.Validate([]byte(body))
		}
	})
}
