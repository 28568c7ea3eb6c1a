package telemetry

import "testing"

func TestRoute(t *testing.T) {
	tests := map[string]string{
		"/api/v10/channels/123/messages":                   "/channels/{channel_id}/messages",
		"/api/v10/interactions/9/aW50ZXJhY3Rpb24/callback": "/interactions/{interaction_id}/{token}/callback",
		"/api/v10/webhooks/5/tok-en/messages/@original":    "/webhooks/{webhook_id}/{token}/messages/@original",
		"/api/v10/guilds/1/members/2/roles/3":              "/guilds/{guild_id}/members/{member_id}/roles/{role_id}",
		"/api/v10/users/@me":                               "/users/@me",
		"/api/v10/applications/77/commands":                "/applications/{application_id}/commands",
	}
	for in, want := range tests {
		if got := Route(in); got != want {
			t.Errorf("Route(%q) = %q, want %q", in, got, want)
		}
	}
}
