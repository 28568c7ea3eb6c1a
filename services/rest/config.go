package rest

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
)

// Config configures one proxy replica. Zero durations and limits take the defaults below
// (Discord's own numbers where there are some); Validate reports every bad value at once.
type Config struct {
	// Token is the bot token; only the proxy holds it.
	Token string
	// Secret is what workers send in discord.HeaderProxySecret; at least 16 bytes.
	Secret string
	// UpstreamURL is Discord's REST base (default discord.DefaultAPIURL), or the simulator.
	UpstreamURL string
	// Instance names this replica in the lease; default a random id.
	Instance string

	// DefaultDeadline is a request's deadline when the caller sends none; MaxDeadline caps
	// the caller's. A request that cannot be sent within its deadline, less the time its
	// answer needs to come back (the slowest recent answer from Discord, decaying, plus
	// SendMargin), is answered by the proxy's own 429.
	DefaultDeadline time.Duration
	MaxDeadline     time.Duration
	SendMargin      time.Duration

	// GlobalLimit requests per GlobalWindow across every route (Discord: 50 per second).
	// A request counts while in flight and for GlobalWindow+GlobalMargin after its answer
	// (Discord counted it somewhere in between), so no delay between here and Discord can
	// squeeze more than the limit into one of Discord's windows.
	GlobalLimit  int
	GlobalWindow time.Duration
	GlobalMargin time.Duration
	// BucketMargin is added to every reset time Discord reports (its headers are rounded to
	// the millisecond and measured at its end).
	BucketMargin time.Duration

	// InvalidCeiling is Discord's ban threshold: invalid requests (401, 403, 429 except the
	// shared scope) per 10 minutes; default 10,000. Past ShedLow of it, low-priority requests
	// are shed; past ShedNormal, normal ones too; past ShedAll, everything.
	InvalidCeiling int
	ShedLow        float64
	ShedNormal     float64
	ShedAll        float64

	// The lease: the active replica renews it every LeaseRenew and stops sending when
	// LeaseFence has passed since its last successful renewal began; a standby takes over
	// when the lease has not changed for LeaseTTL. LeaseTTL-LeaseFence must cover the global
	// window, so the new active never shares a window with the old one.
	LeaseTTL   time.Duration
	LeaseRenew time.Duration
	LeaseFence time.Duration
	// StatePublish is how often the active replica writes its bucket state to NATS KV for
	// the standby.
	StatePublish time.Duration
	// KVBucket is the NATS KV bucket of the lease and the bucket state.
	KVBucket string
}

// Defaults.
const (
	DefaultKVBucket = "novera_rest"
	invalidWindow   = 10 * time.Minute
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.UpstreamURL == "" {
		c.UpstreamURL = discord.DefaultAPIURL
	}
	c.UpstreamURL = strings.TrimSuffix(c.UpstreamURL, "/")
	def(&c.DefaultDeadline, 10*time.Second)
	def(&c.MaxDeadline, time.Minute)
	def(&c.SendMargin, 50*time.Millisecond)
	if c.GlobalLimit == 0 {
		c.GlobalLimit = 50
	}
	def(&c.GlobalWindow, time.Second)
	def(&c.GlobalMargin, 100*time.Millisecond)
	def(&c.BucketMargin, 20*time.Millisecond)
	if c.InvalidCeiling == 0 {
		c.InvalidCeiling = 10000
	}
	if c.ShedLow == 0 {
		c.ShedLow = 0.5
	}
	if c.ShedNormal == 0 {
		c.ShedNormal = 0.75
	}
	if c.ShedAll == 0 {
		c.ShedAll = 0.9
	}
	def(&c.LeaseTTL, 1400*time.Millisecond)
	def(&c.LeaseRenew, 100*time.Millisecond)
	def(&c.LeaseFence, 300*time.Millisecond)
	def(&c.StatePublish, 200*time.Millisecond)
	if c.KVBucket == "" {
		c.KVBucket = DefaultKVBucket
	}
	return c
}

// Validate checks c, with the defaults filled in, and names every problem.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Token == "" {
		bad("the bot token is required")
	}
	if len(c.Secret) < 16 {
		bad("the proxy secret must be at least 16 characters")
	}
	if c.Secret != "" && c.Secret == c.Token {
		bad("the proxy secret must not be the bot token")
	}
	if u, err := url.Parse(c.UpstreamURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		bad("upstream URL %q is not an absolute http(s) URL", c.UpstreamURL)
	}
	for name, d := range map[string]time.Duration{"default deadline": c.DefaultDeadline, "max deadline": c.MaxDeadline,
		"global window": c.GlobalWindow, "lease TTL": c.LeaseTTL, "lease renewal": c.LeaseRenew,
		"lease fence": c.LeaseFence, "state publication": c.StatePublish} {
		if d <= 0 {
			bad("%s must be positive", name)
		}
	}
	if c.SendMargin < 0 || c.GlobalMargin < 0 || c.BucketMargin < 0 {
		bad("margins must not be negative")
	}
	if c.DefaultDeadline > c.MaxDeadline {
		bad("default deadline %s is above the max deadline %s", c.DefaultDeadline, c.MaxDeadline)
	}
	if c.GlobalLimit < 1 {
		bad("global limit must be at least 1")
	}
	if c.InvalidCeiling < 1 {
		bad("invalid-request ceiling must be at least 1")
	}
	if !(0 < c.ShedLow && c.ShedLow <= c.ShedNormal && c.ShedNormal <= c.ShedAll && c.ShedAll <= 1) {
		bad("shed fractions must satisfy 0 < low (%g) <= normal (%g) <= all (%g) <= 1", c.ShedLow, c.ShedNormal, c.ShedAll)
	}
	if !(c.LeaseRenew < c.LeaseFence && c.LeaseFence < c.LeaseTTL) {
		bad("lease timings must satisfy renew (%s) < fence (%s) < TTL (%s)", c.LeaseRenew, c.LeaseFence, c.LeaseTTL)
	}
	if c.LeaseTTL-c.LeaseFence < c.GlobalWindow+c.GlobalMargin {
		bad("lease TTL (%s) minus fence (%s) must cover the global window (%s + %s), or a new active replica could share a global window with the old one",
			c.LeaseTTL, c.LeaseFence, c.GlobalWindow, c.GlobalMargin)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rest: configuration: %w", err)
	}
	return nil
}

// FromEnv reads a Config and the listen addresses from the environment:
//
//	DISCORD_TOKEN (required), DISCORD_PROXY_SECRET (required), DISCORD_UPSTREAM_URL,
//	REST_DEADLINE, REST_MAX_DEADLINE, REST_GLOBAL_LIMIT, REST_INVALID_CEILING,
//	REST_SHED_LOW, REST_SHED_NORMAL, REST_SHED_ALL, REST_LEASE_TTL, REST_LEASE_RENEW,
//	REST_LEASE_FENCE, REST_KV_BUCKET, REST_INSTANCE (default the host name).
func FromEnv(env *config.Env, hostname string) (Config, error) {
	var errs []error
	frac := func(name string, def float64) float64 {
		v, ok := env.Lookup(name)
		if !ok {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			errs = append(errs, fmt.Errorf("%s=%q: want a fraction above 0 and at most 1", name, v))
			return def
		}
		return f
	}
	c := Config{
		Token:           env.Required("DISCORD_TOKEN"),
		Secret:          env.Required("DISCORD_PROXY_SECRET"),
		UpstreamURL:     env.URL("DISCORD_UPSTREAM_URL", discord.DefaultAPIURL, "http", "https"),
		Instance:        env.String("REST_INSTANCE", hostname),
		DefaultDeadline: env.Duration("REST_DEADLINE", 10*time.Second),
		MaxDeadline:     env.Duration("REST_MAX_DEADLINE", time.Minute),
		GlobalLimit:     env.Int("REST_GLOBAL_LIMIT", 50, 1, 10000),
		InvalidCeiling:  env.Int("REST_INVALID_CEILING", 10000, 1, 1000000),
		ShedLow:         frac("REST_SHED_LOW", 0.5),
		ShedNormal:      frac("REST_SHED_NORMAL", 0.75),
		ShedAll:         frac("REST_SHED_ALL", 0.9),
		LeaseTTL:        env.Duration("REST_LEASE_TTL", 1400*time.Millisecond),
		LeaseRenew:      env.Duration("REST_LEASE_RENEW", 100*time.Millisecond),
		LeaseFence:      env.Duration("REST_LEASE_FENCE", 300*time.Millisecond),
		KVBucket:        env.String("REST_KV_BUCKET", DefaultKVBucket),
	}
	if err := env.Err(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}
