package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestSetupAndTraceLogging(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := Setup(context.Background(), Options{Service: "fun", Version: "test", Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := NewLogger(&buf, "fun", slog.LevelInfo)
	ctx, span := tel.Tracer.Tracer("t").Start(context.Background(), "op")
	log.InfoContext(ctx, "inside")
	span.End()
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["trace_id"] != span.SpanContext().TraceID().String() || line["service"] != "fun" {
		t.Errorf("log line lacks the trace: %v", line)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported", len(spans))
	}
	found := false
	for _, kv := range spans[0].Resource.Attributes() {
		if kv.Key == "service.name" && kv.Value.AsString() == "fun" {
			found = true
		}
	}
	if !found {
		t.Errorf("service.name missing from %v", spans[0].Resource.Attributes())
	}
	if _, err := Setup(context.Background(), Options{}); err == nil {
		t.Error("a service name is required")
	}
}

// TestLoggerServiceOnce: the all-in-one process logs as "novera" and then names each service
// it runs; a line must carry one "service" key, the innermost name.
func TestLoggerServiceOnce(t *testing.T) {
	tests := []struct {
		name string
		log  func(*slog.Logger) *slog.Logger
		want string
	}{
		{"process only", func(l *slog.Logger) *slog.Logger { return l }, `{"level":"INFO","msg":"m","service":"novera"}`},
		{"renamed twice, with other attributes", func(l *slog.Logger) *slog.Logger {
			return l.With("service", "fun", "consumer", "events").With("service", "league")
		}, `{"level":"INFO","msg":"m","consumer":"events","service":"league"}`},
		{"in a group it is the group's", func(l *slog.Logger) *slog.Logger {
			return l.With("service", "fun").WithGroup("g").With("service", "inner")
		}, `{"level":"INFO","msg":"m","service":"fun","g":{"service":"inner"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(NewLogger(&buf, "novera", slog.LevelInfo)).Info("m")
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			delete(line, "time")
			got, _ := json.Marshal(line)
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("the case's own line: %v", err)
			}
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) || bytes.Count(buf.Bytes(), []byte(`"service"`)) != bytes.Count([]byte(tt.want), []byte(`"service"`)) {
				t.Errorf("line %s, want %s", buf.Bytes(), tt.want)
			}
		})
	}
}
