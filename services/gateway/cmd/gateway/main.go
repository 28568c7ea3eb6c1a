// Command gateway runs Novera's gateway service: it holds the Discord gateway connections
// and publishes every event and every normalised command to NATS JetStream.
//
// Environment: DISCORD_TOKEN (required); NATS_URL (nats://127.0.0.1:4222),
// DISCORD_API_URL (https://discord.com/api/v10), SHARD_COUNT (0: Discord's recommendation),
// SHARD_IDS (comma-separated; empty: all), ADMIN_ADDR (0.0.0.0:9090),
// OTEL_EXPORTER_OTLP_ENDPOINT (unset: no export).
package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/telemetry"
	"github.com/novera-bot/novera/services/gateway"
)

func main() {
	app.Main(func(ctx context.Context) error {
		env := config.FromOS()
		token := env.Required("DISCORD_TOKEN")
		natsURL := env.URL("NATS_URL", "nats://127.0.0.1:4222", "nats", "tls")
		apiURL := env.URL("DISCORD_API_URL", discord.DefaultAPIURL, "http", "https")
		shardCount := env.Int("SHARD_COUNT", 0, 0, 1<<16)
		shardIDs, idsErr := parseShardIDs(env.String("SHARD_IDS", ""))
		adminAddr := env.Addr("ADMIN_ADDR", "0.0.0.0:9090")
		if err := env.Err(); err != nil {
			return err
		}
		if idsErr != nil {
			return idsErr
		}
		a, err := app.New(ctx, app.Options{Name: "gateway", AdminAddr: adminAddr, OTLPEndpoint: env.String("OTEL_EXPORTER_OTLP_ENDPOINT", "")})
		if err != nil {
			return err
		}
		defer a.Close(context.WithoutCancel(ctx))
		b, err := a.Bus(ctx, natsURL)
		if err != nil {
			return err
		}
		dc, err := discord.New(discord.Config{Token: token, APIURL: apiURL, Transport: telemetry.HTTPTransport(a.Tel, nil)})
		if err != nil {
			return err
		}
		svc, err := gateway.New(gateway.Options{Token: token, Bus: b, Discord: dc, Registry: commands.Novera(),
			ShardIDs: shardIDs, ShardCount: shardCount, Logger: a.Log, Tracer: a.Tel.Tracer, Health: a.Health, Metrics: a.Admin.Registry})
		if err != nil {
			return err
		}
		return svc.Run(ctx)
	})
}

func parseShardIDs(s string) ([]int, error) {
	var ids []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("SHARD_IDS=%q: want comma-separated shard numbers", s)
		}
		ids = append(ids, n)
	}
	return ids, nil
}
