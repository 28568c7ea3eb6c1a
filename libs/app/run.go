package app

import (
	"context"

	"github.com/novera-bot/novera/libs/worker"
)

// RunWorker starts w, waits for ctx to end, then stops fetching, lets commands in flight
// finish, and closes the app's connections, all within ShutdownGrace.
func RunWorker(ctx context.Context, a *App, w *worker.Worker) error {
	if err := w.Start(ctx); err != nil {
		return err
	}
	a.Log.Info("service started", "admin", a.Admin.Addr(), "version", Version)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	err := w.Stop(sctx)
	if cerr := a.Close(sctx); err == nil {
		err = cerr
	}
	a.Log.Info("service stopped")
	return err
}
