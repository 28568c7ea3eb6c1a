// Package jaegerlocal runs a Jaeger all-in-one process on loopback with in-memory storage,
// for `make run JAEGER=1` and the end-to-end trace tests. The binary is built from the Go
// module proxy by scripts/jaeger.sh; this package only starts and stops it.
package jaegerlocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Options for Start.
type Options struct {
	// Bin is the jaeger binary (scripts/jaeger.sh prints its path).
	Bin string
	// Dir holds the generated configuration and the process log; default a temp dir.
	Dir string
	// QueryPort is the UI and HTTP API port; 0 picks a free one.
	QueryPort int
	Logger    *slog.Logger
}

// Jaeger is a running instance.
type Jaeger struct {
	cmd                     *exec.Cmd
	otlpHTTP, query, health int
	done                    chan error
	logPath                 string
}

// config enables only what Novera needs: OTLP over HTTP in, memory storage, the query UI
// and API, and a health check; everything bound to 127.0.0.1, and the collector's own
// metrics endpoint (0.0.0.0:8888 by default) switched off.
const config = `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:%d
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// Start launches Jaeger and waits until it is healthy.
func Start(ctx context.Context, o Options) (*Jaeger, error) {
	if o.Bin == "" {
		return nil, errors.New("jaegerlocal: no binary (run scripts/jaeger.sh)")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Dir == "" {
		d, err := os.MkdirTemp("", "jaeger-")
		if err != nil {
			return nil, fmt.Errorf("jaegerlocal: %w", err)
		}
		o.Dir = d
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("jaegerlocal: %w", err)
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	if o.QueryPort != 0 {
		ports[0] = o.QueryPort
	}
	j := &Jaeger{query: ports[0], health: ports[2], otlpHTTP: ports[3], done: make(chan error, 1)}
	cfg := filepath.Join(o.Dir, "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, ports[0], ports[1], ports[2], ports[3]), 0o644); err != nil {
		return nil, fmt.Errorf("jaegerlocal: write config: %w", err)
	}
	j.logPath = filepath.Join(o.Dir, "jaeger.log")
	logf, err := os.Create(j.logPath)
	if err != nil {
		return nil, fmt.Errorf("jaegerlocal: %w", err)
	}
	j.cmd = exec.Command(o.Bin, "--config", cfg)
	j.cmd.Stdout, j.cmd.Stderr = logf, logf
	if err := j.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("jaegerlocal: start %s: %w", o.Bin, err)
	}
	go func() { j.done <- j.cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/status", j.health)); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-j.done:
			return nil, fmt.Errorf("jaegerlocal: exited during start-up (%v); see %s", err, j.logPath)
		case <-ctx.Done():
			_ = j.Stop(context.Background())
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = j.Stop(context.Background())
			return nil, fmt.Errorf("jaegerlocal: not healthy after 30 s; see %s", j.logPath)
		}
	}
	o.Logger.Info("jaeger ready", "ui", j.QueryURL(), "otlp", j.OTLPEndpoint())
	return j, nil
}

// OTLPEndpoint is the OTLP/HTTP base URL, for OTEL_EXPORTER_OTLP_ENDPOINT.
func (j *Jaeger) OTLPEndpoint() string { return "http://127.0.0.1:" + strconv.Itoa(j.otlpHTTP) }

// QueryURL is the UI, whose HTTP API lives under /api.
func (j *Jaeger) QueryURL() string { return "http://127.0.0.1:" + strconv.Itoa(j.query) }

// Stop asks Jaeger to exit and kills it if it does not within ctx.
func (j *Jaeger) Stop(ctx context.Context) error {
	if j.cmd.Process == nil {
		return nil
	}
	_ = j.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		_ = j.cmd.Process.Kill()
		<-j.done
		return fmt.Errorf("jaegerlocal: killed after %w", ctx.Err())
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("jaegerlocal: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
