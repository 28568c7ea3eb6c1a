package rest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/telemetry"
)

const testSecret = "proxy-secret-for-tests-0123456789"

// startSim runs the simulator with Discord's usual route limits (5 messages per 5 s per
// channel, ...) and the global 50/s, all enforced, recording every request.
func startSim(t testing.TB) (*discordsim.Server, *discordsim.Demo) {
	t.Helper()
	return simtest.Start(t, discordsim.Options{
		RateLimit:           discordsim.RateLimitOptions{Routes: discordsim.DiscordRouteLimits(), Mode: discordsim.RateLimitEnforce},
		MaxRecordedRequests: 1 << 20,
	})
}

func startJetStream(t testing.TB) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// replica is one proxy replica on its own port. kill stops it the hard way: listener and
// connections closed, requests to Discord in flight cut, the lease left to expire.
type replica struct {
	p    *Proxy
	url  string // the API base clients use
	reg  *prometheus.Registry
	kill func()
}

func startReplica(t testing.TB, js jetstream.JetStream, sim *discordsim.Server, name string, exp sdktrace.SpanExporter, tune func(*Config)) *replica {
	t.Helper()
	cfg := Config{Token: sim.Token(), Secret: testSecret, UpstreamURL: sim.APIURL(), Instance: name}
	if tune != nil {
		tune(&cfg)
	}
	tel, err := telemetry.Setup(context.Background(), telemetry.Options{Service: "rest", Instance: name, Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reg := prometheus.NewRegistry()
	p, err := New(ctx, Options{Config: cfg, JetStream: js, Telemetry: tel, Metrics: reg,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})).With("replica", name)})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p}
	go func() { _ = srv.Serve(ln) }()
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = srv.Close()
			cancel()
			<-p.Done()
		})
	}
	t.Cleanup(kill)
	return &replica{p: p, url: "http://" + ln.Addr().String() + "/api/v10", reg: reg, kill: kill}
}

// activeAndStandby starts the simulator and two replicas: a holding the lease, b standing
// by once it has read a's lease.
func activeAndStandby(t *testing.T) (sim *discordsim.Server, a, b *replica) {
	t.Helper()
	sim, _ = startSim(t)
	js := startJetStream(t)
	a = startReplica(t, js, sim, "a", nil, nil)
	waitActive(t, a, 5*time.Second)
	b = startReplica(t, js, sim, "b", nil, nil)
	for deadline := time.Now().Add(5 * time.Second); !b.p.lease.seen(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b never read a's lease")
		}
	}
	if b.p.Active() {
		t.Fatal("b holds the lease; want it standing by")
	}
	return sim, a, b
}

func waitActive(t testing.TB, r *replica, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !r.p.Active() {
		if time.Now().After(deadline) {
			t.Fatalf("replica %s not active after %s", r.p.Instance(), within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// outcome is what the last attempt of one client call got back, captured below the
// libs/discord client (discordgo turns a 429 into an error without headers).
type outcome struct {
	mu       sync.Mutex
	status   int
	proxy    string // discord.HeaderProxy of the answer
	instance string
	err      error
}

type outcomeKey struct{}

func withOutcome(ctx context.Context) (context.Context, *outcome) {
	o := &outcome{}
	return context.WithValue(ctx, outcomeKey{}, o), o
}

type recordingTransport struct{ next http.RoundTripper }

func (t recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if o, ok := r.Context().Value(outcomeKey{}).(*outcome); ok {
		o.mu.Lock()
		o.err = err
		o.status, o.proxy, o.instance = 0, "", ""
		if err == nil {
			o.status, o.proxy, o.instance = resp.StatusCode, resp.Header.Get(discord.HeaderProxy), resp.Header.Get(instanceHeader)
		}
		o.mu.Unlock()
	}
	return resp, err
}

// newClient is one worker replica's REST client: the proxy secret instead of the token,
// and the proxy's replicas in the given order.
func newClient(t testing.TB, urls ...string) *discord.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	c, err := discord.New(discord.Config{APIURL: urls[0], FallbackURLs: urls[1:], ProxySecret: testSecret,
		Transport: recordingTransport{next: tr}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simCounts reads what the simulator saw: 429s it answered, and POSTed messages by nonce.
func simCounts(sim *discordsim.Server, channelRoute string) (rateLimited int, postsByNonce map[string]int) {
	rateLimited = len(sim.Requests(discordsim.RequestFilter{Status: http.StatusTooManyRequests}))
	postsByNonce = map[string]int{}
	for _, r := range sim.Requests(discordsim.RequestFilter{Method: http.MethodPost, Route: channelRoute}) {
		var body struct {
			Nonce string `json:"nonce"`
		}
		if json.Unmarshal(r.Body, &body) == nil && body.Nonce != "" {
			postsByNonce[body.Nonce]++
		}
	}
	return rateLimited, postsByNonce
}

// seen reports that this replica, standing by, has read the holder's lease.
func (l *lease) seen() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seenRev != 0
}
