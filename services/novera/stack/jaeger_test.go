package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/jaegerlocal"
	"github.com/novera-bot/novera/libs/telemetry"
)

// Commands traced into a real Jaeger: each command is one trace holding the gateway's
// receive, the bus's publish and process, the worker's handler, SQL statements and the
// Discord REST call, correctly parented; a failing command shows as an error span whose
// trace id is on its log line.
func TestTracesInJaeger(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: builds Jaeger (once) and starts the whole stack")
	}
	out, err := exec.Command("bash", "../../../scripts/jaeger.sh").Output()
	if err != nil {
		t.Fatalf("building Jaeger: %v", err)
	}
	j, err := jaegerlocal.Start(t.Context(), jaegerlocal.Options{Bin: strings.TrimSpace(string(out)), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Stop(context.Background()) })

	e := newEnv(t)
	e.stop()
	logs := &syncBuffer{}
	e.opts.SpanExporter, e.opts.OTLPEndpoint = nil, j.OTLPEndpoint()
	e.opts.Logger = telemetry.NewLogger(logs, "novera", slog.LevelInfo)
	e.start()

	e.prefix("staff", "!setvalue <@"+e.member("player2").String()+"> 40")
	e.slash("player1", "/rankings")
	e.prefix("player1", "!checkvalue")

	for _, tc := range []struct{ service, command, rest string }{
		{"league", "rankings", "POST /interactions/"},
		{"league", "checkvalue", "POST /channels/"},
	} {
		tr := waitTrace(t, j, tc.service, "command "+tc.command)
		want := map[string]func(span) bool{
			"gateway receive":   func(s span) bool { return tr.service(s) == "gateway" && strings.HasPrefix(s.OperationName, "receive ") },
			"bus publish":       func(s span) bool { return s.OperationName == "publish commands.league."+tc.command },
			"bus process":       func(s span) bool { return strings.HasPrefix(s.OperationName, "process commands.league."+tc.command) },
			"worker handler":    func(s span) bool { return s.OperationName == "command "+tc.command && tr.service(s) == tc.service },
			"SQL statement":     func(s span) bool { return tr.tag(s, "db.system") != "" },
			"Discord REST call": func(s span) bool { return strings.HasPrefix(s.OperationName, tc.rest) },
		}
		root := tr.root()
		if tr.service(root) != "gateway" {
			t.Errorf("%s: the trace's root is %q from %s, want the gateway's receive", tc.command, root.OperationName, tr.service(root))
		}
		for what, match := range want {
			found := false
			for _, s := range tr.Spans {
				if match(s) {
					found = true
					if !tr.descends(s, root) {
						t.Errorf("%s: %s (%s) is not under the root span", tc.command, what, s.OperationName)
					}
				}
			}
			if !found {
				t.Errorf("%s: the trace has no %s span (%s)", tc.command, what, tr.names())
			}
		}
	}

	// A database failure: the command's span is an error carrying the cause, and the log
	// line that reports it has the same trace id.
	if _, err := e.pool.Exec(t.Context(), `ALTER TABLE fun.headpats RENAME TO headpats_away`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.Slash(t.Context(), discordsimSlash(e, "player1", "/headpat")); err != nil {
		t.Fatal(err)
	}
	tr := waitTrace(t, j, "fun", "command headpat")
	var failed *span
	for i, s := range tr.Spans {
		if s.OperationName == "command headpat" && tr.tag(s, "error") == "true" {
			failed = &tr.Spans[i]
		}
	}
	if failed == nil {
		t.Fatalf("no error span for the failing headpat: %s", tr.names())
	}
	if msg := tr.tag(*failed, "otel.status_description"); !strings.Contains(msg, "headpats") {
		t.Errorf("the error span does not name the cause: %q", msg)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), `"trace_id":"`+tr.TraceID+`"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line carries trace %s", tr.TraceID)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, tr.TraceID) && strings.Contains(line, "command failed") && !strings.Contains(line, "headpats") {
			t.Errorf("the failure's log line lacks its cause: %s", line)
		}
	}
	if dir := os.Getenv("JAEGER_SCREENSHOT_DIR"); dir != "" {
		// Used by hand to refresh docs/jaeger-trace.png; see README.
		_ = os.WriteFile(filepath.Join(dir, "trace-url.txt"), []byte(j.QueryURL()+"/trace/"+tr.TraceID), 0o644)
	}
}

// Jaeger's HTTP API (/api/traces), as much as the test reads.
type span struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	ProcessID     string `json:"processID"`
	References    []struct {
		RefType string `json:"refType"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	Tags []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
}

type jaegerTrace struct {
	TraceID   string `json:"traceID"`
	Spans     []span `json:"spans"`
	Processes map[string]struct {
		ServiceName string `json:"serviceName"`
	} `json:"processes"`
}

func (tr jaegerTrace) service(s span) string { return tr.Processes[s.ProcessID].ServiceName }

func (tr jaegerTrace) tag(s span, key string) string {
	for _, t := range s.Tags {
		if t.Key == key {
			return fmt.Sprint(t.Value)
		}
	}
	return ""
}

func (tr jaegerTrace) parent(s span) string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

func (tr jaegerTrace) root() span {
	for _, s := range tr.Spans {
		if tr.parent(s) == "" {
			return s
		}
	}
	return span{}
}

func (tr jaegerTrace) descends(s, root span) bool {
	byID := map[string]span{}
	for _, x := range tr.Spans {
		byID[x.SpanID] = x
	}
	for i := 0; i < len(tr.Spans)+1; i++ {
		if s.SpanID == root.SpanID {
			return true
		}
		p, ok := byID[tr.parent(s)]
		if !ok {
			return false
		}
		s = p
	}
	return false
}

func (tr jaegerTrace) names() string {
	var n []string
	for _, s := range tr.Spans {
		n = append(n, tr.service(s)+":"+s.OperationName)
	}
	return strings.Join(n, ", ")
}

// waitTrace polls Jaeger until a trace of service holds operation and looks complete
// (spans arrive in batches from several services).
func waitTrace(t *testing.T, j *jaegerlocal.Jaeger, service, operation string) jaegerTrace {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last jaegerTrace
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("%s/api/traces?service=%s&operation=%s&limit=20&lookback=1h", j.QueryURL(), service, strings.ReplaceAll(operation, " ", "%20")))
		if err == nil {
			var body struct {
				Data []jaegerTrace `json:"data"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			for _, tr := range body.Data {
				last = tr
				services := map[string]bool{}
				for _, s := range tr.Spans {
					services[tr.service(s)] = true
				}
				if services["gateway"] && services[service] && tr.root().SpanID != "" {
					return tr
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no complete trace of %s/%s in Jaeger (last: %s)", service, operation, last.names())
	return jaegerTrace{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func discordsimSlash(e *env, user, text string) discordsim.SlashRequest {
	return discordsim.SlashRequest{UserID: e.member(user), Text: text}
}
