package rest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// BenchmarkProxyHop is what the proxy adds to an interaction's answer, the call every
// command waits for: at a fixed rate, each tick answers one interaction directly and one
// through an active replica at the same moment, so both see the same machine, and the
// percentiles of the two are compared. Here the replica runs in the benchmark's process:
// the proxy's work and one more loopback hop, but no crossing into another process, which
// BenchmarkProxyHopProcess adds. Both run a fixed workload whatever b.N is; run them with
// -benchtime 1x (make bench does).
func BenchmarkProxyHop(b *testing.B) {
	proxyHop(b, func(sim *discordsim.Server) string {
		a := startReplica(b, startJetStream(b), sim, "a", nil, nil)
		waitActive(b, a, 5*time.Second)
		return a.url
	})
}

// BenchmarkProxyHopProcess is BenchmarkProxyHop with the replica as in production: the
// proxy's command, in a process of its own.
func BenchmarkProxyHopProcess(b *testing.B) {
	proxyHop(b, func(sim *discordsim.Server) string { return startProxyProcess(b, natstest.Start(b), sim) })
}

// proxyHop runs the benchmark against the replica that start returns the API base of.
func proxyHop(b *testing.B, start func(*discordsim.Server) string) {
	const (
		rate = 250 // pairs of answers per second
		dur  = 20 * time.Second
	)
	// Discord's schema is checked by the conformance tests; here it would be simulator
	// work, and garbage, in the middle of both paths' answers.
	sim, _ := simtest.Start(b, discordsim.Options{SkipSchemaValidation: true,
		RateLimit: discordsim.RateLimitOptions{Routes: discordsim.DiscordRouteLimits(), Mode: discordsim.RateLimitEnforce}})
	proxyURL := start(sim)
	direct, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		b.Fatal(err)
	}
	proxied := newClient(b, proxyURL)
	app := sim.Application().ID.String()
	if err := direct.OverwriteCommands(b.Context(), app, "", []*discordgo.ApplicationCommand{{Name: "ping", Description: "ping"}}); err != nil {
		b.Fatal(err)
	}
	n := int(rate * dur / time.Second)
	answer := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "pong"}}
	var (
		mu          sync.Mutex
		took        [2][]time.Duration // direct, proxied
		failed      int
		firstErr    error
		wg          sync.WaitGroup
		tick        = time.NewTicker(time.Second / rate)
		clients     = [2]*discord.Client{direct, proxied}
		measurement = time.Now()
	)
	defer tick.Stop()
	b.ResetTimer()
	for range n {
		<-tick.C
		for k, c := range clients {
			// Made just now: Discord forgets an unanswered interaction after 3 seconds.
			x, err := sim.Slash(b.Context(), discordsim.SlashRequest{Text: "/ping"})
			if err != nil {
				b.Fatal(err)
			}
			wg.Go(func() {
				start := time.Now()
				err := c.Respond(b.Context(), x.InteractionID.String(), x.InteractionToken, answer)
				d := time.Since(start)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if failed++; firstErr == nil {
						firstErr = err
					}
					return
				}
				took[k] = append(took[k], d)
			})
		}
	}
	wg.Wait()
	b.StopTimer()
	if failed > 0 {
		b.Fatalf("%d answers failed, the first: %v", failed, firstErr)
	}
	pct := func(k int, p float64) float64 {
		ds := slices.Clone(took[k])
		return float64(percentile(ds, p/100).Microseconds())
	}
	b.ReportMetric(pct(0, 50), "direct-p50-µs")
	b.ReportMetric(pct(0, 99), "direct-p99-µs")
	b.ReportMetric(pct(1, 50), "proxy-p50-µs")
	b.ReportMetric(pct(1, 99), "proxy-p99-µs")
	b.ReportMetric(pct(1, 99)-pct(0, 99), "p99-rise-µs")
	b.Logf("%d answer pairs at %d/s over %v: p50 direct %.0f µs, through the proxy %.0f µs; p99 %.0f µs and %.0f µs",
		n, rate, time.Since(measurement).Round(time.Millisecond), pct(0, 50), pct(1, 50), pct(0, 99), pct(1, 99))
}

// startProxyProcess builds the proxy's command and runs one replica of it until the
// benchmark ends, returning its API base once it holds the lease.
func startProxyProcess(b *testing.B, natsURL string, sim *discordsim.Server) string {
	b.Helper()
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", dir+"/rest", "./cmd/rest")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/rest: %v\n%s", err, out)
	}
	addr, admin := freeAddr(b), freeAddr(b)
	cmd := exec.Command(dir + "/rest")
	cmd.Env = append(os.Environ(), "DISCORD_TOKEN="+sim.Token(), "DISCORD_PROXY_SECRET="+testSecret,
		"NATS_URL="+natsURL, "DISCORD_UPSTREAM_URL="+sim.APIURL(), "REST_ADDR="+addr, "ADMIN_ADDR="+admin)
	cmd.Stdout, cmd.Stderr = b.Output(), b.Output()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	// Ready means active (the replica alone holds the lease).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + admin + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the proxy process was not ready within 30 s")
		}
	}
	return "http://" + addr + "/api/v10"
}

// freeAddr is a loopback address whose port was free a moment ago.
func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}
