package stack

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/jaegerlocal"
)

// BenchmarkSlashHeadpat measures one /headpat round trip through the whole stack (the
// simulator's dispatch to the answer reaching its REST API), sequentially, with tracing
// off and with every command traced into a real Jaeger: the overhead of observability.
// Run with `make bench`.
func BenchmarkSlashHeadpat(b *testing.B) {
	out, err := exec.Command("bash", "../../../scripts/jaeger.sh").Output()
	if err != nil {
		b.Fatalf("building Jaeger: %v", err)
	}
	for _, mode := range []string{"untraced", "traced-to-jaeger"} {
		b.Run(mode, func(b *testing.B) {
			var endpoint string
			if mode == "untraced" {
				b.Setenv("OTEL_TRACES_SAMPLER", "always_off")
			} else {
				j, err := jaegerlocal.Start(b.Context(), jaegerlocal.Options{Bin: strings.TrimSpace(string(out)), Dir: b.TempDir()})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = j.Stop(context.Background()) })
				endpoint = j.OTLPEndpoint()
			}
			e := newEnv(b)
			e.stop()
			e.opts.SpanExporter, e.opts.OTLPEndpoint = nil, endpoint
			e.start()
			req := discordsim.SlashRequest{UserID: e.member("player1"), Text: "/headpat member:<@" + e.member("player2").String() + ">"}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				x, err := e.sim.Slash(b.Context(), req)
				e.answer(x, err)
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
