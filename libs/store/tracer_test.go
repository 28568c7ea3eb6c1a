package store

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestTracer(t *testing.T) {
	t.Parallel()
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	pool := openPool(t, WithTracer(NewTracer(tp)), WithMaxConns(1))
	ctx := testContext(t)

	// Statements under a parent span, as a worker's handler would run them.
	ctx, parent := tp.Tracer("test").Start(ctx, "handle command")
	mustExec(t, pool, "CREATE SCHEMA fun; CREATE TABLE fun.headpats (id serial PRIMARY KEY, giver text)")
	if _, err := pool.Exec(ctx, `INSERT INTO fun.headpats (giver) VALUES ($1)`, "secret-value"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM fun.headpats WHERE giver = $1", "secret-value").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE fun.no_such_table SET x = 1"); err == nil {
		t.Fatal("no error from a bad statement")
	}
	batch := &pgx.Batch{}
	batch.Queue("UPDATE fun.headpats SET giver = $1", "x")
	batch.Queue("DELETE FROM fun.headpats")
	if err := pool.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	parent.End()

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range recorder.Ended() {
		spans[s.Name()] = s
	}
	tests := []struct {
		name      string
		wantAttrs map[attribute.Key]string
		wantError bool
		inBatch   bool
	}{
		{name: "connect"},
		{name: "INSERT fun.headpats", wantAttrs: map[attribute.Key]string{
			"db.query.text":      "INSERT INTO fun.headpats (giver) VALUES ($1)",
			"db.operation.name":  "INSERT",
			"db.collection.name": "fun.headpats",
		}},
		{name: "SELECT", wantAttrs: map[attribute.Key]string{
			"db.query.text":     "SELECT count(*) FROM fun.headpats WHERE giver = $1",
			"db.operation.name": "SELECT",
		}},
		{name: "BATCH", wantAttrs: map[attribute.Key]string{"db.operation.name": "BATCH", "db.operation.batch.size": "2"}},
		{name: "UPDATE fun.headpats", inBatch: true},
		{name: "DELETE fun.headpats", inBatch: true},
	}
	for _, tt := range tests {
		s, ok := spans[tt.name]
		if !ok {
			t.Errorf("no span %q; have %v", tt.name, keys(spans))
			continue
		}
		if s.SpanKind() != trace.SpanKindClient {
			t.Errorf("%s: kind %v, want client", tt.name, s.SpanKind())
		}
		attrs := map[attribute.Key]string{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value.Emit()
		}
		want := map[attribute.Key]string{"db.system": "postgresql", "db.system.name": "postgresql", "server.address": "127.0.0.1"}
		if tt.name != "connect" {
			for k, v := range tt.wantAttrs {
				want[k] = v
			}
			if attrs["db.namespace"] == "" {
				t.Errorf("%s: no db.namespace", tt.name)
			}
		}
		for k, v := range want {
			if attrs[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, attrs[k], v)
			}
		}
		for k, v := range attrs {
			if v == "secret-value" {
				t.Errorf("%s: argument value leaked into %s", tt.name, k)
			}
		}
		if tt.name != "connect" && s.Parent().SpanID() != parent.SpanContext().SpanID() && !tt.inBatch {
			t.Errorf("%s: not a child of the handler's span", tt.name)
		}
		if tt.inBatch && s.Parent().SpanID() != spans["BATCH"].SpanContext().SpanID() {
			t.Errorf("%s: not a child of the batch span", tt.name)
		}
		if s.Status().Code == codes.Error {
			t.Errorf("%s: status error: %s", tt.name, s.Status().Description)
		}
	}

	// The failed statement.
	var failed sdktrace.ReadOnlySpan
	for _, s := range recorder.Ended() {
		if s.Status().Code == codes.Error {
			failed = s
		}
	}
	if failed == nil {
		t.Fatal("no span with error status")
	}
	if failed.Name() != "UPDATE fun.no_such_table" || len(failed.Events()) == 0 || failed.Events()[0].Name != "exception" {
		t.Errorf("failed span %q has events %v, want an exception event", failed.Name(), failed.Events())
	}
	found := false
	for _, kv := range failed.Attributes() {
		if kv.Key == "db.response.status_code" && kv.Value.AsString() == "42P01" {
			found = true
		}
	}
	if !found {
		t.Errorf("failed span lacks db.response.status_code=42P01: %v", failed.Attributes())
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestNewTracerNilProvider(t *testing.T) {
	tr := NewTracer(nil)
	ctx := tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 1"})
	tr.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
}

func TestDescribeStatement(t *testing.T) {
	tests := []struct {
		sql       string
		op, table string
	}{
		{"SELECT 1", "SELECT", ""},
		{"  select * from fun.headpats", "SELECT", ""},
		{"INSERT INTO fun.headpats (giver) VALUES ($1)", "INSERT", "fun.headpats"},
		{"insert into \"fun\".\"headpats\"(giver) values ($1)", "INSERT", "fun.headpats"},
		{"-- why\n/* and how */ UPDATE ONLY league.wagers SET x = 1", "UPDATE", "league.wagers"},
		{"DELETE FROM fun.handled_events WHERE handled_at < $1", "DELETE", "fun.handled_events"},
		{"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DO NOTHING", "MERGE", "t"},
		{"COPY (SELECT 1) TO STDOUT", "COPY", ""},
		{"COPY fun.t FROM STDIN", "COPY", "fun.t"},
		{"TRUNCATE TABLE a, b", "TRUNCATE", "a"},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "WITH", ""},
		{"CREATE TABLE t (id int)", "CREATE", ""},
		{"INSERT", "INSERT", ""},
		{"", "", ""},
		{"-- only a comment", "", ""},
		{"/* unterminated", "", ""},
		{"(SELECT 1)", "", ""},
		{"123", "", ""},
	}
	for _, tt := range tests {
		op, table := describeStatement(tt.sql)
		if op != tt.op || table != tt.table {
			t.Errorf("describeStatement(%q) = %q, %q; want %q, %q", tt.sql, op, table, tt.op, tt.table)
		}
	}
	if got := spanName("", ""); got != "postgresql" {
		t.Errorf("spanName of nothing = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("héllo", 2); got != "h" {
		t.Errorf("truncate split a character: %q", got)
	}
	if got := truncate("abc", 5); got != "abc" {
		t.Errorf("truncate(abc, 5) = %q", got)
	}
}
