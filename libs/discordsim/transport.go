package discordsim

import (
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// apiVersionPath matches the /api or /api/vN prefix of a Discord REST URL.
var apiVersionPath = regexp.MustCompile(`^/api(/v\d+)?/`)

// RewriteTransport sends requests meant for discord.com's REST API to a simulator instead:
// https://discord.com/api/v9/channels/1 becomes http://127.0.0.1:PORT/api/v10/channels/1.
// Other requests pass through unchanged. It lets discordgo (whose endpoints are fixed at
// https://discord.com/api/v9/) talk to the simulator through Session.Client.
type RewriteTransport struct {
	// Target is the simulator's base URL (Server.URL()).
	Target *url.URL
	// Base performs the requests; default http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *RewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	h := req.URL.Hostname()
	if (h != "discord.com" && h != "discordapp.com") || !apiVersionPath.MatchString(req.URL.Path) {
		return base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = t.Target.Scheme, t.Target.Host
	u.Path = apiVersionPath.ReplaceAllString(u.Path, "/api/v10/")
	u.RawPath = ""
	if req.URL.RawPath != "" {
		u.RawPath = apiVersionPath.ReplaceAllString(req.URL.RawPath, "/api/v10/")
	}
	r.URL = &u
	r.Host = u.Host
	return base.RoundTrip(r)
}

// HTTPClient returns a client that sends discord.com REST calls to this simulator; give it to
// discordgo as Session.Client. Call it after Start.
func (s *Server) HTTPClient() *http.Client {
	target, _ := url.Parse(s.URL()) // URL() is always a valid http URL once started
	return &http.Client{Transport: &RewriteTransport{Target: target}, Timeout: 20 * time.Second}
}
