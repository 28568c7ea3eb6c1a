package fun

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/store"
)

// Migrate brings the fun schema up to date without starting the worker: the importer
// (services/novera/importer) writes the headpat and spank counters before the service
// has ever run. New migrates the same files through the worker framework.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	if err := store.Migrate(ctx, pool, Schema, store.Sub(migrationFiles, "migrations")); err != nil {
		return fmt.Errorf("fun: %w", err)
	}
	return nil
}
