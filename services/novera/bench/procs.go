package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times; 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// procStat is one reading of a process: memory (PSS) and CPU time used so far.
type procStat struct {
	rss int64 // bytes
	cpu time.Duration
	ok  bool
}

// readProc reads /proc/<pid>. A process that is gone reads as !ok.
func readProc(pid int) procStat {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return procStat{}
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 22 {
		return procStat{}
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	rssPages, _ := strconv.ParseInt(f[21], 10, 64)
	return procStat{rss: rssPages * int64(os.Getpagesize()), cpu: time.Duration(utime+stime) * time.Second / clockTicks, ok: true}
}

// memory is a process's PSS, or its RSS (from st) when PSS is unknown.
func memory(pid int, st procStat) int64 {
	if m := pss(pid); m >= 0 {
		return m
	}
	return st.rss
}

// pss is a process's proportional set size in bytes (-1 when unknown): its resident
// memory with shared pages divided among their sharers, so that summing PostgreSQL's
// backends counts its shared buffers once rather than once per backend.
func pss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// children lists the pids whose parent is pid (PostgreSQL's backends under the postmaster).
func children(pid int) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	want := strconv.Itoa(pid)
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == want {
			if n, err := strconv.Atoi(filepath.Base(filepath.Dir(d))); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// postmasterPID reads the first line of a PostgreSQL data directory's postmaster.pid.
func postmasterPID(dataDir string) int {
	f, err := os.Open(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s.Text()))
	return n
}

// Group is a named set of processes measured together: one service's process, or
// PostgreSQL's postmaster with its backends.
type Group struct {
	Name string
	PIDs func() []int
}

// Usage is what a group used during a phase.
type Usage struct {
	Name    string
	PeakRSS int64         // the largest summed RSS seen
	CPU     time.Duration // CPU time spent during the phase
}

// sampler follows groups' memory and CPU while a phase runs.
type sampler struct {
	groups []Group
	mu     sync.Mutex
	peak   []int64
	start  []map[int]time.Duration // CPU at the phase's start, per pid
	last   []map[int]time.Duration // latest CPU reading, per pid
	pssAt  time.Time               // when PSS was last read
	stop   chan struct{}
	done   chan struct{}
}

// pssEvery is how often the sampler reads PSS (CPU is read at every sample).
const pssEvery = 5 * time.Second

func startSampler(groups []Group, every time.Duration) *sampler {
	s := &sampler{groups: groups, peak: make([]int64, len(groups)), start: make([]map[int]time.Duration, len(groups)),
		last: make([]map[int]time.Duration, len(groups)), stop: make(chan struct{}), done: make(chan struct{})}
	for i := range groups {
		s.start[i], s.last[i] = map[int]time.Duration{}, map[int]time.Duration{}
	}
	s.sample(true)
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				s.sample(false)
				return
			case <-t.C:
				s.sample(false)
			}
		}
	}()
	return s
}

func (s *sampler) sample(first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Reading smaps_rollup makes the kernel walk the process's page tables: at every
	// sample it cost the harness a tenth of a core, charged to the system under test's
	// machine. CPU is read at every sample, PSS every pssEvery and at the phase's end
	// (first and last samples), so a peak shorter than pssEvery can be missed.
	withPSS := first || time.Since(s.pssAt) >= pssEvery
	select {
	case <-s.stop:
		withPSS = true
	default:
	}
	if withPSS {
		s.pssAt = time.Now()
	}
	for i, g := range s.groups {
		var mem int64
		for _, pid := range g.PIDs() {
			st := readProc(pid)
			if !st.ok {
				continue
			}
			if withPSS {
				mem += memory(pid, st)
			}
			if _, seen := s.start[i][pid]; !seen {
				// A process born during the phase (a new backend) started from zero.
				base := time.Duration(0)
				if first {
					base = st.cpu
				}
				s.start[i][pid] = base
			}
			s.last[i][pid] = st.cpu
		}
		s.peak[i] = max(s.peak[i], mem)
	}
}

// finish stops sampling and returns each group's usage.
func (s *sampler) finish() []Usage {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Usage, len(s.groups))
	for i, g := range s.groups {
		var cpu time.Duration
		for pid, c := range s.last[i] {
			cpu += c - s.start[i][pid]
		}
		out[i] = Usage{Name: g.Name, PeakRSS: s.peak[i], CPU: cpu}
	}
	return out
}

// cachedFor calls f at most once per d: finding a process's children means reading all of
// /proc, too costly to repeat at every sample.
func cachedFor(d time.Duration, f func() []int) func() []int {
	var (
		mu   sync.Mutex
		at   time.Time
		last []int
	)
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) >= d {
			last, at = f(), time.Now()
		}
		return last
	}
}

// pids returns a fixed list.
func pids(p ...int) func() []int { return func() []int { return p } }

// waitHTTP polls url until it answers 200 or ctx ends.
func waitHTTP(ctx context.Context, url string) error {
	for {
		if ok, _ := get200(ctx, url); ok {
			return nil
		}
		select {
		case <-ctx.Done():
			_, why := get200(context.Background(), url)
			return fmt.Errorf("%s not ready: %w (last answer: %s)", url, ctx.Err(), why)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
