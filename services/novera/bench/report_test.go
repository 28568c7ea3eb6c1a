package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim/load"
)

// TestWriteMarkdown: the generated table replaces only what lies between the markers.
func TestWriteMarkdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := WriteMarkdown(path, "first table\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	hand := strings.Replace(string(b), "# Benchmarks\n", "# Benchmarks\n\nnotes by hand\n", 1) + "\nmore notes\n"
	if err := os.WriteFile(path, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(path, "second table\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"notes by hand", "more notes", "second table", beginMarker, endMarker} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "first table") {
		t.Errorf("the old table is still there:\n%s", got)
	}
}

// TestTable: peers are compared with Novera on the same workload, and the proxy's cost is
// the proxied p99 minus the direct one.
func TestTable(t *testing.T) {
	res := func(ms ...int) *load.Result {
		r := &load.Result{Answered: len(ms), Commands: len(ms), Elapsed: time.Second}
		for _, m := range ms {
			r.Latencies = append(r.Latencies, time.Duration(m)*time.Millisecond)
		}
		return r
	}
	phases := []Phase{
		{System: NoveraOne, Workload: "w", Result: res(2, 2, 4)},
		{System: DiscordPy, Workload: "w", Result: res(6, 6, 12)},
		{System: NoveraSeparate, Workload: "w", Result: res(2, 2, 5)},
		{System: NoveraProxied, Workload: "w", Result: res(2, 2, 6)},
		{System: NoveraOne, Workload: "idle", Usage: []Usage{{Name: "novera", PeakRSS: 30 << 20, CPU: time.Second}}},
	}
	got := Table(phases, map[string]time.Duration{NoveraOne: 300 * time.Millisecond}, Options{})
	for _, want := range []string{"3.0× / 3.0× / 1.00×", "w +1.00 ms", "novera 30 MB 1.0 s", "novera (one process) 300.00 ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

// TestReadProc reads this process: some memory and some CPU.
func TestReadProc(t *testing.T) {
	st := readProc(os.Getpid())
	if !st.ok || st.rss <= 0 {
		t.Fatalf("readProc(self) = %+v", st)
	}
	if m := memory(os.Getpid(), st); m <= 0 || m > st.rss*2 {
		t.Errorf("memory(self) = %d bytes, RSS %d", m, st.rss)
	}
	if st := readProc(1 << 30); st.ok {
		t.Errorf("a process that does not exist read as %+v", st)
	}
}
