package stack

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every metric the Grafana dashboard queries is served on /metrics once the stack has
// handled a few commands, so the dashboard cannot silently show nothing.
func TestDashboardMetricsExist(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	if err := e.stack.Admin.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.stack.Admin.Shutdown(context.Background()) })
	e.slash("player1", "/headpat")
	e.prefix("player1", "!confess")
	dashboard, err := os.ReadFile("../../../deploy/grafana/novera.json")
	if err != nil {
		t.Fatal(err)
	}
	// The answer reaches the simulator before the worker records the command's duration,
	// so the histogram may appear a moment after the last reply: scrape until it is there.
	var served map[string]bool
	for deadline := time.Now().Add(5 * time.Second); ; {
		served = scrape(t, "http://"+e.stack.Admin.Addr()+"/metrics")
		if served["novera_command_duration_seconds_count"] || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	queried := regexp.MustCompile(`\b(novera_[a-z_]+|pgxpool_[a-z_]+|process_[a-z_]+|go_goroutines)\b`).FindAllString(string(dashboard), -1)
	if len(queried) < 10 {
		t.Fatalf("only %d metrics found in the dashboard", len(queried))
	}
	// Counters that only exist once something went wrong (a retry, a dead letter) are
	// checked against the code that declares them instead.
	appearOnFirstUse := map[string]string{
		"novera_bus_naked_total":         "../../../libs/bus/metrics.go",
		"novera_bus_dead_lettered_total": "../../../libs/bus/metrics.go",
	}
	for _, m := range queried {
		if src, ok := appearOnFirstUse[m]; ok {
			code, err := os.ReadFile(src)
			if err != nil || !strings.Contains(string(code), strings.TrimPrefix(m, "novera_bus_")) {
				t.Errorf("%s is not declared in %s", m, src)
			}
			continue
		}
		if !served[m] {
			t.Errorf("the dashboard queries %s, which /metrics does not serve", m)
		}
	}
}

// scrape returns the names of the samples a /metrics endpoint serves.
func scrape(t *testing.T, url string) map[string]bool {
	t.Helper()
	served := map[string]bool{}
	for _, line := range strings.Split(getBody(t, url), "\n") {
		if name, _, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			name, _, _ = strings.Cut(name, "{")
			served[name] = true
		}
	}
	return served
}
