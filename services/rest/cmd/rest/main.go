// Command rest runs Novera's REST proxy: the one holder of the bot token and the bot's
// rate-limit authority. Point every service's DISCORD_API_URL at it (http://HOST:8081/api/v10)
// and give them DISCORD_PROXY_SECRET. Run two replicas: one is active (lease in NATS KV),
// the other answers 503 as a standby until it takes over.
//
// Environment: DISCORD_TOKEN, DISCORD_PROXY_SECRET (required); NATS_URL
// (nats://127.0.0.1:4222), DISCORD_UPSTREAM_URL (https://discord.com/api/v10), REST_ADDR
// (0.0.0.0:8081), ADMIN_ADDR (0.0.0.0:9090), OTEL_EXPORTER_OTLP_ENDPOINT, and the tuning
// variables of rest.FromEnv (docs/operators.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/services/rest"
)

func main() {
	app.Main(func(ctx context.Context) error { return run(ctx, config.FromOS(), nil) })
}

// run serves until ctx ends, then drains, hands the lease over and stops. listening, when
// set, receives the proxy's address once it accepts requests.
func run(ctx context.Context, env *config.Env, listening func(addr, admin string)) error {
	host, _ := os.Hostname()
	natsURL := env.URL("NATS_URL", "nats://127.0.0.1:4222", "nats", "tls")
	addr := env.Addr("REST_ADDR", "0.0.0.0:8081")
	adminAddr := env.Addr("ADMIN_ADDR", "0.0.0.0:9090")
	otlp := env.String("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	standbyReady := env.Bool("REST_STANDBY_READY", false)
	cfg, err := rest.FromEnv(env, host) // reports the variables above too
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	a, err := app.New(ctx, app.Options{Name: "rest", AdminAddr: adminAddr, OTLPEndpoint: otlp})
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	// The replica's own lifetime: cancelled only after the clean hand-over below.
	life, kill := context.WithCancel(context.WithoutCancel(ctx))
	defer kill()
	// NATS restarting while the proxy starts is waited out, as every service does: a
	// replica must not exit (and leave its workers one address short) for that.
	var nc *nats.Conn
	var p *rest.Proxy
	err = bus.WhenAvailable(ctx, a.Log, "REST proxy start", func(context.Context) (err error) {
		nc, p, err = start(life, natsURL, rest.Options{Config: cfg, Logger: a.Log, Telemetry: a.Tel, Metrics: a.Admin.Registry})
		return err
	})
	if err != nil {
		return err
	}
	defer nc.Close()
	if standbyReady {
		// Clients know every replica's address (DISCORD_API_FALLBACK_URLS) and move to the
		// active one by themselves: ready means "able to serve or take over", which is what
		// a rollout should wait for and a disruption budget count. With readiness only on
		// the active replica, a budget of one could never let the active go.
		a.Health.Ready("rest.nats", func(context.Context) error {
			if !nc.IsConnected() {
				return errors.New("not connected to NATS: cannot hold or take over the lease")
			}
			return nil
		})
	} else {
		// Ready means "send me traffic": only the active replica, so that a Kubernetes
		// Service in front of both reaches the one that sends.
		a.Health.Ready("rest.active", func(context.Context) error {
			if !p.Active() {
				return errors.New("standby: another replica holds the lease")
			}
			return nil
		})
	}
	a.Health.Live("rest.running", func(context.Context) error {
		select {
		case <-p.Done():
			return errors.New("the proxy stopped")
		default:
			return nil
		}
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("rest: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("REST proxy listening", "addr", ln.Addr().String(), "instance", p.Instance(), "admin", a.Admin.Addr())
	if listening != nil {
		listening(ln.Addr().String(), a.Admin.Addr())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("rest: serve: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), app.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if rerr := p.Release(sctx); err == nil {
		err = rerr
	}
	kill()
	return err
}

// start connects to NATS and starts the proxy on it.
func start(ctx context.Context, natsURL string, o rest.Options) (*nats.Conn, *rest.Proxy, error) {
	nc, err := nats.Connect(natsURL, nats.Name("novera-rest"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, nil, fmt.Errorf("rest: connect to NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("rest: JetStream: %w", err)
	}
	o.JetStream = js
	p, err := rest.New(ctx, o)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, p, nil
}
