package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName identifies this package as the source of its spans.
const instrumentationName = "github.com/novera-bot/novera/libs/store"

// maxQueryText bounds db.query.text: a migration can be many kilobytes, and a span is not
// the place to keep it whole.
const maxQueryText = 4096

// Tracer makes an OpenTelemetry CLIENT span for every statement, batch, COPY and new
// connection, following the database semantic conventions. Statements are recorded as
// their text, which pgx sends with placeholders: argument values never reach a span.
type Tracer struct {
	tracer trace.Tracer
}

var (
	_ pgx.QueryTracer    = (*Tracer)(nil)
	_ pgx.BatchTracer    = (*Tracer)(nil)
	_ pgx.CopyFromTracer = (*Tracer)(nil)
	_ pgx.ConnectTracer  = (*Tracer)(nil)
)

// NewTracer returns a tracer whose spans go to tp; a nil tp traces nothing.
func NewTracer(tp trace.TracerProvider) *Tracer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &Tracer{tracer: tp.Tracer(instrumentationName)}
}

// TraceQueryStart starts the span of a Query, QueryRow or Exec.
func (t *Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return t.startStatement(ctx, conn, data.SQL)
}

// TraceQueryEnd ends it.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	endSpan(trace.SpanFromContext(ctx), data.Err)
}

// TraceBatchStart starts a span for a whole batch; each of its statements gets a child.
func (t *Tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	ctx, span := t.tracer.Start(ctx, "BATCH", trace.WithSpanKind(trace.SpanKindClient))
	if !span.IsRecording() {
		// As in startStatement: describing it costs a copy of the connection's
		// configuration (pgx hands out copies), 2 % of a busy process, for nothing.
		return ctx
	}
	size := 0
	if data.Batch != nil {
		size = data.Batch.Len()
	}
	span.SetAttributes(append(connAttributes(conn),
		attribute.String("db.operation.name", "BATCH"),
		attribute.Int("db.operation.batch.size", size))...)
	return ctx
}

// TraceBatchQuery records one statement of a batch, which pgx reports once it is done.
func (t *Tracer) TraceBatchQuery(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	opts := []trace.SpanStartOption{}
	if !data.ReadStartTime.IsZero() {
		opts = append(opts, trace.WithTimestamp(data.ReadStartTime))
	}
	endSpan(trace.SpanFromContext(t.startStatement(ctx, conn, data.SQL, opts...)), data.Err)
}

// TraceBatchEnd ends the batch's span.
func (t *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	endSpan(trace.SpanFromContext(ctx), data.Err)
}

// TraceCopyFromStart starts the span of a CopyFrom.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	table := strings.Join(data.TableName, ".")
	attrs := append(connAttributes(conn),
		attribute.String("db.operation.name", "COPY"),
		attribute.String("db.collection.name", table))
	ctx, _ = t.tracer.Start(ctx, "COPY "+table, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

// TraceCopyFromEnd ends it.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	endSpan(trace.SpanFromContext(ctx), data.Err)
}

// TraceConnectStart starts a span for opening a connection, which is where a slow or
// unreachable server shows.
func (t *Tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	attrs := serverAttributes(data.ConnConfig)
	ctx, _ = t.tracer.Start(ctx, "connect", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

// TraceConnectEnd ends it.
func (t *Tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	endSpan(trace.SpanFromContext(ctx), data.Err)
}

func (t *Tracer) startStatement(ctx context.Context, conn *pgx.Conn, sql string, opts ...trace.SpanStartOption) context.Context {
	// Most statements run in traces that are not sampled: name and describe the span only
	// once it is known to be recorded (reading the statement and building its attributes
	// was 4 % of a worker's CPU under load, all of it thrown away).
	ctx, span := t.tracer.Start(ctx, "", append(opts, trace.WithSpanKind(trace.SpanKindClient))...)
	if !span.IsRecording() {
		return ctx
	}
	op, table := describeStatement(sql)
	attrs := append(connAttributes(conn), attribute.String("db.query.text", truncate(sql, maxQueryText)))
	if op != "" {
		attrs = append(attrs, attribute.String("db.operation.name", op))
	}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	span.SetName(spanName(op, table))
	span.SetAttributes(attrs...)
	return ctx
}

// connAttributes describes the server of conn. db.system is the name older conventions
// (and our dashboards) use; db.system.name is its successor since conventions 1.30.
func connAttributes(conn *pgx.Conn) []attribute.KeyValue {
	if conn == nil {
		return serverAttributes(nil)
	}
	return serverAttributes(conn.Config())
}

func serverAttributes(c *pgx.ConnConfig) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		attribute.String("db.system", "postgresql"),
		attribute.String("db.system.name", "postgresql"),
	}
	if c == nil {
		return attrs
	}
	return append(attrs,
		attribute.String("db.namespace", c.Database),
		attribute.String("server.address", c.Host),
		attribute.Int("server.port", int(c.Port)))
}

// endSpan ends span, recording err as its failure.
func endSpan(span trace.Span, err error) {
	if err != nil {
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
			span.SetAttributes(attribute.String("db.response.status_code", pgErr.Code))
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
