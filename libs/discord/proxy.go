package discord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/novera-bot/novera/libs/config"
)

// Headers spoken between the REST client and Novera's REST proxy (services/rest). None of
// them reaches Discord: the proxy strips them.
const (
	// HeaderProxySecret authenticates a worker to the proxy; the proxy holds the bot token.
	HeaderProxySecret = "X-Novera-Proxy-Secret"
	// HeaderPriority is the request's priority: PriorityEssential, PriorityNormal or
	// PriorityLow. The proxy's invalid-request guard sheds low before normal before essential.
	HeaderPriority = "X-Novera-Priority"
	// HeaderDeadline is how many milliseconds the caller still waits for an answer; the
	// proxy answers its own 429 rather than send a request it cannot send in time.
	HeaderDeadline = "X-Novera-Deadline-Ms"
	// HeaderProxy marks an answer the proxy made itself: ProxyShed (a 429 that never reached
	// Discord), ProxyStandby (a 503 from the replica that does not hold the lease),
	// "unauthorized" or "upstream-error".
	HeaderProxy = "X-Novera-Proxy"
)

// Values of HeaderPriority and HeaderProxy.
const (
	PriorityEssential = "essential"
	PriorityNormal    = "normal"
	PriorityLow       = "low"

	ProxyShed    = "shed"
	ProxyStandby = "standby"
)

// ProxyFromEnv sets the proxy settings from the environment: DISCORD_PROXY_SECRET (the
// REST proxy's secret; set, the token is not sent) and DISCORD_API_FALLBACK_URLS (the
// proxy's other replicas, comma-separated, tried after DISCORD_API_URL). New validates them.
func (c *Config) ProxyFromEnv(env *config.Env) {
	c.ProxySecret = env.String("DISCORD_PROXY_SECRET", "")
	c.FallbackURLs = nil
	for _, u := range strings.Split(env.String("DISCORD_API_FALLBACK_URLS", ""), ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.FallbackURLs = append(c.FallbackURLs, u)
		}
	}
}

type priorityKey struct{}

// WithPriority marks the REST calls made with ctx, e.g. PriorityLow for role syncs and
// clean-ups that can wait. Unmarked calls are PriorityNormal, except interaction callbacks
// and webhook (follow-up) calls, which the proxy treats as essential.
func WithPriority(ctx context.Context, p string) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// proxyHeaders replaces the bot token with the proxy secret and adds the caller's priority
// and deadline: the token then lives only in the proxy.
type proxyHeaders struct {
	secret string
	next   http.RoundTripper
}

func (t *proxyHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Del("Authorization")
	r.Header.Set(HeaderProxySecret, t.secret)
	if p, ok := r.Context().Value(priorityKey{}).(string); ok && p != "" {
		r.Header.Set(HeaderPriority, p)
	}
	return t.next.RoundTrip(r)
}

// deadlineHeader tells the proxy how long the caller still waits. It sits below the
// failover, so each attempt reports what is left of the deadline at that moment.
type deadlineHeader struct{ next http.RoundTripper }

func (t *deadlineHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	if dl, ok := r.Context().Deadline(); ok {
		r = r.Clone(r.Context())
		r.Header.Set(HeaderDeadline, strconv.FormatInt(max(time.Until(dl).Milliseconds(), 1), 10))
	}
	return t.next.RoundTrip(r)
}

// failover sends each request to the first API base that takes it: a base that refuses
// the connection, or a proxy replica that answers 503 as standby, passes the request on to
// the next. The base that answered last is tried first next time. Only answers that prove
// the request was not sent move it on; an error after the request may have been sent
// fails over only for idempotent methods, so a message is never posted twice.
type failover struct {
	bases []*url.URL
	next  http.RoundTripper
	pref  atomic.Int32
	// maxWait bounds the rounds over every base when they all refuse (a proxy taking over
	// needs a moment); the caller's deadline bounds it too.
	maxWait time.Duration
}

func (t *failover) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.bases) == 1 {
		return t.next.RoundTrip(r)
	}
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
		return t.next.RoundTrip(r) // cannot resend the body; one base only
	}
	start := time.Now()
	backoff := 25 * time.Millisecond
	var lastResp *http.Response
	var lastErr error
	for {
		first := int(t.pref.Load())
		for k := range t.bases {
			i := (first + k) % len(t.bases)
			req, err := t.onBase(r, i)
			if err != nil {
				return nil, err
			}
			if lastResp != nil {
				lastResp.Body.Close()
				lastResp = nil
			}
			resp, err := t.next.RoundTrip(req)
			switch {
			case err == nil && !(resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get(HeaderProxy) == ProxyStandby):
				t.pref.Store(int32(i))
				return resp, nil
			case err == nil:
				lastResp, lastErr = resp, nil
			case r.Context().Err() != nil:
				return nil, err
			case notSent(err) || idempotent(r.Method):
				lastResp, lastErr = nil, err
			default:
				return nil, err
			}
		}
		// Every base refused: wait a little (a standby is taking over) while the caller's
		// deadline and maxWait allow, then try them all again.
		if time.Since(start)+backoff > t.maxWait || !fitsDeadline(r.Context(), backoff) {
			if lastResp != nil {
				return lastResp, nil
			}
			return nil, lastErr
		}
		if lastResp != nil {
			lastResp.Body.Close()
			lastResp = nil
		}
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 400*time.Millisecond)
	}
}

// onBase returns r aimed at base i (r is always built on base 0 by rebase).
func (t *failover) onBase(r *http.Request, i int) (*http.Request, error) {
	req := r.Clone(r.Context())
	if r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return nil, fmt.Errorf("discord: resend body: %w", err)
		}
		req.Body = body
	}
	if i == 0 {
		return req, nil
	}
	from, to := t.bases[0], t.bases[i]
	u := *r.URL
	u.Scheme, u.Host = to.Scheme, to.Host
	u.Path = to.Path + strings.TrimPrefix(r.URL.Path, from.Path)
	u.RawPath = ""
	req.URL, req.Host = &u, to.Host
	return req, nil
}

// notSent reports an error that proves the request never left: the connection was refused.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}
