// Command gateway runs Novera's gateway service: it holds the Discord gateway connections
// and publishes every event and every normalised command to NATS JetStream.
//
// Environment: DISCORD_TOKEN (required); NATS_URL (nats://127.0.0.1:4222),
// DISCORD_API_URL (https://discord.com/api/v10), SHARD_COUNT (0: Discord's recommendation),
// SHARD_IDS (comma-separated; empty: all), ADMIN_ADDR (0.0.0.0:9090),
// OTEL_EXPORTER_OTLP_ENDPOINT (unset: no export), DISCORD_PUBLIC_KEY (the application's
// public key, hex; set: Discord's HTTP interactions endpoint is served on
// INTERACTIONS_ADDR, default 0.0.0.0:8080); POD_NAME, POD_NAMESPACE, HEARTBEAT_INTERVAL
// (5s) and WATCHDOG_STALL_AFTER (3m) for the heartbeat and the liveness watchdog;
// GATEWAY_REPLICAS (with POD_NAME's ordinal: which shards) and GATEWAY_LEASE_TTL (10s).
package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/heartbeat"
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
		interactionsAddr := env.Addr("INTERACTIONS_ADDR", "0.0.0.0:8080")
		publicKey := env.String("DISCORD_PUBLIC_KEY", "")
		// Shard placement and leases: GATEWAY_REPLICAS with POD_NAME's ordinal picks the
		// shards when SHARD_IDS is empty; GATEWAY_LEASE_TTL bounds a dead holder's takeover.
		replicas := env.Int("GATEWAY_REPLICAS", 0, 0, 1<<16)
		leaseTTL := env.Duration("GATEWAY_LEASE_TTL", gateway.DefaultLeaseTTL)
		ordinal, ordErr := gateway.Ordinal(env.String("POD_NAME", ""), replicas)
		watch := app.WatchFromEnv(env)
		if err := env.Err(); err != nil {
			return err
		}
		if idsErr != nil {
			return idsErr
		}
		if ordErr != nil {
			return ordErr
		}
		var interactionsKey ed25519.PublicKey
		if publicKey != "" {
			k, err := gateway.ParsePublicKey(publicKey)
			if err != nil {
				return fmt.Errorf("DISCORD_PUBLIC_KEY: %w", err)
			}
			interactionsKey = k
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
		dc, err := a.Discord(token, apiURL)
		if err != nil {
			return err
		}
		svc, err := gateway.New(gateway.Options{Token: token, Bus: b, Discord: dc, Registry: commands.Novera(),
			ShardIDs: shardIDs, ShardCount: shardCount, Replicas: replicas, Ordinal: ordinal, Holder: os.Getenv("POD_NAME"), LeaseTTL: leaseTTL, Logger: a.Log, Tracer: a.Tel.Tracer, Health: a.Health, Metrics: a.Admin.Registry,
			InteractionsKey: interactionsKey})
		if err != nil {
			return err
		}
		// Liveness fails only when no shard can make progress; the heartbeat carries
		// every shard's state to the health service.
		wd := gateway.NewWatchdog(svc, watch.StallAfter)
		a.Health.Live("gateway.shards", wd.Check)
		beat := heartbeat.NewFromHealth(a.Health)
		beat.Progress, beat.Shards = wd.LastProgress, wd.Shards
		if err := a.Heartbeat(ctx, b, watch, beat); err != nil {
			return err
		}
		context.AfterFunc(ctx, a.Stopping)
		if interactionsKey == nil {
			return svc.Run(ctx)
		}
		h, err := svc.InteractionsHandler()
		if err != nil {
			return err
		}
		// The endpoint and the shards live and die together: either failing stops both.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		httpErr := make(chan error, 1)
		go func() {
			defer cancel()
			httpErr <- gateway.ServeInteractions(ctx, interactionsAddr, h, a.Log)
		}()
		runErr := svc.Run(ctx)
		cancel()
		return errors.Join(runErr, <-httpErr)
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
