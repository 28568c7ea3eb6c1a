package worker

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// Deps is what every worker service is built from; a service's main.go assembles it.
type Deps struct {
	Bus      *bus.Bus
	Pool     *pgxpool.Pool
	Discord  *discord.Client
	Registry *commands.Registry
	Config   *guildconfig.Store
	Logger   *slog.Logger
	Tracer   trace.TracerProvider
	Metrics  prometheus.Registerer
}

// Options turns the shared dependencies into one service's worker options.
func (d Deps) Options(service string, handlers map[string]Handler) Options {
	return Options{Service: service, Bus: d.Bus, Pool: d.Pool, Discord: d.Discord, Registry: d.Registry,
		Config: d.Config, Handlers: handlers, Logger: d.Logger.With("service", service), Tracer: d.Tracer, Metrics: d.Metrics}
}
