package fun

import "testing"

func TestReplyOf(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		id, event string
	}{
		{"slash reply", `{"id":"5","author":{"id":"9","bot":true},"interaction_metadata":{"id":"77","type":2},"embeds":[{"author":{"id":"1"}}]}`, "5", "77"},
		{"prefix reply", `{"id":"6","nonce":"123-0","author":{"bot":true},"interaction_metadata":null}`, "6", "123"},
		{"numeric nonce", `{"id":"7","nonce":42,"author":{"bot":true}}`, "7", ""},
		{"member's message", `{"id":"8","nonce":"123-0","author":{"id":"2"}}`, "", ""},
		{"no id", `{"nonce":"123-0","author":{"bot":true}}`, "", ""},
		{"malformed", `{"id":`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, event := replyOf([]byte(tc.raw))
			if id != tc.id || event != tc.event {
				t.Errorf("replyOf = %q, %q; want %q, %q", id, event, tc.id, tc.event)
			}
		})
	}
}
