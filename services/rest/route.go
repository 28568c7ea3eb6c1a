package rest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/novera-bot/novera/libs/telemetry"
)

// target is what the proxy needs to know about a request's path.
type target struct {
	// route is the method and template, "POST /channels/{channel_id}/messages": Discord
	// gives every route a bucket hash, learnt from the first answer.
	route string
	// major is the major parameter Discord keys a bucket by ("channel=123"). Webhook and
	// interaction tokens are secrets, so only a hash of them is kept.
	major string
	// callback is an interaction callback: exempt from the global limit, always essential.
	callback bool
	// webhook is a token-authenticated webhook call (interaction follow-ups): essential.
	webhook bool
	// token: the request authenticates by the token in its path (an interaction's or a
	// webhook's), so its bucket serves that token alone, a handful of requests, and it is
	// outside the bot's global limit: any replica may send it, lease or not.
	token bool
}

// parseTarget reads a path below the API base ("/channels/1/messages").
func parseTarget(method, path string) target {
	t := target{route: method + " " + telemetry.Route(path)}
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if len(seg) >= 2 {
		switch seg[0] {
		case "channels":
			t.major = "channel=" + seg[1]
		case "guilds":
			t.major = "guild=" + seg[1]
		case "webhooks":
			t.major = "webhook=" + seg[1]
			if len(seg) >= 3 {
				t.major += "/" + tokenHash(seg[2])
				t.webhook, t.token = true, true
			}
		case "interactions":
			t.major = "interaction=" + seg[1]
			if len(seg) >= 3 {
				t.major += "/" + tokenHash(seg[2])
				t.token = true
			}
			t.callback = len(seg) == 4 && seg[3] == "callback"
		}
	}
	return t
}

func tokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:8])
}

// apiPath strips the version prefix the clients use; the proxy forwards to the same
// version under its upstream base.
func apiPath(p string) (string, bool) {
	for _, prefix := range []string{"/api/v10/", "/api/v9/"} {
		if strings.HasPrefix(p, prefix) {
			return p[len(prefix)-1:], true
		}
	}
	return "", false
}
