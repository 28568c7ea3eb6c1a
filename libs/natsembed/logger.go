package natsembed

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// levelTrace is below slog's Debug: NATS protocol tracing is far chattier than debug logs.
const levelTrace = slog.LevelDebug - 4

// logAdapter turns the server's printf-style logger into slog records. It also remembers
// the first fatal message, because the server reports start-up failures (port in use,
// unusable store) only through Fatalf.
type logAdapter struct {
	log *slog.Logger

	mu       sync.Mutex
	fatalMsg string
}

func newLogAdapter(l *slog.Logger) *logAdapter {
	return &logAdapter{log: l.With("component", "nats-server")}
}

func (a *logAdapter) fatal() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fatalMsg
}

func (a *logAdapter) emit(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !a.log.Enabled(ctx, level) {
		return
	}
	a.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

func (a *logAdapter) Noticef(format string, v ...any) { a.emit(slog.LevelInfo, format, v) }
func (a *logAdapter) Warnf(format string, v ...any)   { a.emit(slog.LevelWarn, format, v) }
func (a *logAdapter) Errorf(format string, v ...any)  { a.emit(slog.LevelError, format, v) }
func (a *logAdapter) Debugf(format string, v ...any)  { a.emit(slog.LevelDebug, format, v) }
func (a *logAdapter) Tracef(format string, v ...any)  { a.emit(levelTrace, format, v) }

// Fatalf logs at error level and never exits: the host process decides what a failed
// embedded server means.
func (a *logAdapter) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	a.mu.Lock()
	if a.fatalMsg == "" {
		a.fatalMsg = msg
	}
	a.mu.Unlock()
	a.log.Error(msg, "fatal", true)
}
