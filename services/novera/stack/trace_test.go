package stack

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// One trace covers a command from the gateway's receive, through the bus and the worker,
// to its SQL statements and its Discord REST call.
func TestOneTracePerCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	e.slash("player1", "/headpat member:<@"+e.member("player2").String()+">")

	var spans tracetest.SpanStubs
	var root tracetest.SpanStub
	want := []struct {
		service string
		match   func(tracetest.SpanStub) bool
		what    string
	}{
		{"gateway", func(s tracetest.SpanStub) bool { return s.Name == "publish commands.fun.headpat" }, "the gateway's publish"},
		{"fun", func(s tracetest.SpanStub) bool { return strings.HasPrefix(s.Name, "process commands.fun.headpat") }, "the bus consumer"},
		{"fun", func(s tracetest.SpanStub) bool { return s.Name == "command headpat" }, "the worker's handler"},
		{"fun", func(s tracetest.SpanStub) bool { return strings.HasPrefix(s.Name, "INSERT fun.headpats") }, "the SQL upsert"},
		{"fun", func(s tracetest.SpanStub) bool {
			return strings.HasPrefix(s.Name, "POST /interactions/") && s.SpanKind == trace.SpanKindClient
		}, "the Discord REST callback"},
	}
	// Spans end just after the answer leaves, so wait for the last of them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		spans = e.spans.GetSpans()
		root = findSpan(spans, func(s tracetest.SpanStub) bool {
			return s.Name == "receive INTERACTION_CREATE" && hasAttr(s, "novera.command", "headpat")
		})
		complete := root.Name != ""
		for _, w := range want {
			if complete && findSpan(spans, func(s tracetest.SpanStub) bool {
				return s.SpanContext.TraceID() == root.SpanContext.TraceID() && w.match(s)
			}).Name == "" {
				complete = false
			}
		}
		if complete || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if root.Name == "" {
		t.Fatalf("no gateway span for the command among %d spans", len(spans))
	}
	if svc := serviceOf(root); svc != "gateway" {
		t.Errorf("root span from %q, want gateway", svc)
	}
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
	}
	for _, w := range want {
		s := findSpan(spans, func(s tracetest.SpanStub) bool {
			return s.SpanContext.TraceID() == root.SpanContext.TraceID() && w.match(s)
		})
		if s.Name == "" {
			t.Errorf("trace %s lacks %s", root.SpanContext.TraceID(), w.what)
			continue
		}
		if got := serviceOf(s); got != w.service {
			t.Errorf("%s came from %q, want %q", w.what, got, w.service)
		}
		// Walk up: every span must descend from the gateway's root span.
		for p := s; p.SpanContext.SpanID() != root.SpanContext.SpanID(); {
			parent, ok := byID[p.Parent.SpanID()]
			if !ok {
				t.Errorf("%s (%s) is not under the gateway's span", w.what, s.Name)
				break
			}
			p = parent
		}
	}
}

func findSpan(spans tracetest.SpanStubs, match func(tracetest.SpanStub) bool) tracetest.SpanStub {
	for _, s := range spans {
		if match(s) {
			return s
		}
	}
	return tracetest.SpanStub{}
}

func hasAttr(s tracetest.SpanStub, key, value string) bool {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key && kv.Value.Emit() == value {
			return true
		}
	}
	return false
}

func serviceOf(s tracetest.SpanStub) string {
	if s.Resource == nil {
		return ""
	}
	for _, kv := range s.Resource.Attributes() {
		if kv.Key == "service.name" {
			return kv.Value.AsString()
		}
	}
	return ""
}
