package rest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
)

// BenchmarkProxyHop is what the proxy adds to an interaction's answer, the call every
// command waits for: at a fixed rate, each tick answers one interaction directly and one
// through an active replica at the same moment, so both see the same machine, and the
// percentiles of the two are compared. It runs a fixed workload whatever b.N is; run it
// with -benchtime 1x (make bench does).
func BenchmarkProxyHop(b *testing.B) {
	const (
		rate = 250 // pairs of answers per second
		dur  = 20 * time.Second
	)
	sim, _ := startSim(b)
	a := startReplica(b, startJetStream(b), sim, "a", nil, nil)
	waitActive(b, a, 5*time.Second)
	direct, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		b.Fatal(err)
	}
	proxied := newClient(b, a.url)
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
