// Package discord is Novera's Discord REST client: discordgo's typed methods, pointed at a
// configurable API base (Discord itself, the REST proxy, or the simulator) and at API v10,
// with the few calls discordgo lacks (message nonces) and a clear reading of Discord's
// errors (which ones mean "already done", which ones are worth a retry).
package discord

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultAPIURL is Discord's own REST base.
const DefaultAPIURL = "https://discord.com/api/v10"

// Config configures a Client.
type Config struct {
	Token  string
	APIURL string // default DefaultAPIURL
	// Transport carries the requests (an instrumented one in production, over
	// NewTransport); default NewTransport().
	Transport http.RoundTripper
	Logger    *slog.Logger
	UserAgent string
	// ProxySecret, when set, means APIURL is Novera's REST proxy (services/rest): requests
	// carry this secret instead of the bot token (Token may then be empty), and the caller's
	// deadline and priority (WithPriority) travel with them.
	ProxySecret string
	// FallbackURLs are further API bases (the proxy's other replicas), tried in order after
	// APIURL when a base refuses the connection or answers as a standby.
	FallbackURLs []string
}

// Client calls Discord's REST API.
type Client struct {
	s *discordgo.Session
}

// New validates cfg and builds a client. discordgo computes its endpoint URLs from package
// variables at start-up; rather than mutate those (every client in the process would move),
// the transport rewrites discordgo's fixed base into ours, per client.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" && cfg.ProxySecret == "" {
		return nil, errors.New("discord: token is required")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	var bases []*url.URL
	for _, raw := range append([]string{cfg.APIURL}, cfg.FallbackURLs...) {
		u, err := url.Parse(strings.TrimSuffix(raw, "/"))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("discord: API URL %q is not an absolute http(s) URL", raw)
		}
		bases = append(bases, u)
	}
	base := bases[0]
	next := cfg.Transport
	if next == nil {
		next = NewTransport()
	}
	if cfg.ProxySecret != "" {
		next = &proxyHeaders{secret: cfg.ProxySecret, next: &deadlineHeader{next: next}}
	}
	next = &failover{bases: bases, next: next, maxWait: 5 * time.Second}
	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	next = &retry429{next: next, attempts: 3, maxWait: 5 * time.Second}
	s.Client = &http.Client{Timeout: 15 * time.Second, Transport: &rebase{from: discordgo.EndpointAPI, to: base.String() + "/", next: next}}
	// discordgo would otherwise retry 429s without bound; our transport retries a bounded
	// number of times within the caller's deadline, and the bus retries beyond that.
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 1
	if cfg.UserAgent != "" {
		s.UserAgent = cfg.UserAgent
	} else {
		s.UserAgent = "DiscordBot (https://github.com/novera-bot/novera, 0.1)"
	}
	return &Client{s: s}, nil
}

// Session exposes discordgo's typed REST methods. Pass discordgo.WithContext(ctx) to each.
func (c *Client) Session() *discordgo.Session { return c.s }

// rebase sends discordgo's requests to our API base.
type rebase struct {
	from, to string
	next     http.RoundTripper
}

func (t *rebase) RoundTrip(r *http.Request) (*http.Response, error) {
	u := r.URL.String()
	if strings.HasPrefix(u, t.from) {
		nu, err := url.Parse(t.to + u[len(t.from):])
		if err != nil {
			return nil, fmt.Errorf("discord: rebase %s: %w", redactPath(r.URL.Path), err)
		}
		r = r.Clone(r.Context())
		r.URL = nu
		r.Host = nu.Host
	}
	return t.next.RoundTrip(r)
}

// redactPath hides interaction and webhook tokens, which are secrets for 15 minutes.
func redactPath(p string) string {
	parts := strings.Split(p, "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "interactions" && i+2 < len(parts) {
			parts[i+2] = ":token"
		}
		if parts[i] == "webhooks" && i+2 < len(parts) {
			parts[i+2] = ":token"
		}
	}
	return strings.Join(parts, "/")
}

// NewTransport is the HTTP transport for Discord's API: http.DefaultTransport's settings
// with room for as many idle connections to the one host as a worker has calls in flight.
// The default keeps two, so a worker answering 32 commands at once dialled (and closed) a
// new connection for most of its answers.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
}
