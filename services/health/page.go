package health

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

// pageSource is the status page. html/template escapes everything an instance sends
// (reasons quote error messages, which may hold anything).
const pageSource = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{{.Refresh}}">
<title>Novera health</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;background:#f6f7f9;color:#1d1f23}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:.4rem .6rem;border-bottom:1px solid #e2e4e8;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#eceef2}
tr.green td.state{background:#d3f5dc}
tr.amber td.state{background:#fff1c7}
tr.red td.state{background:#ffd6d6}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.4rem}
tr.green .dot{background:#1f9d47} tr.amber .dot{background:#d69e00} tr.red .dot{background:#d32f2f}
.hold{background:#fff1c7;padding:.5rem .8rem;border-left:4px solid #d69e00;margin-bottom:1rem}
.muted{color:#6b7079}
</style></head><body>
<h1>Novera health</h1>
<p class="muted">{{len .Status.Instances}} instances · generated {{.Status.GeneratedAt.UTC.Format "2006-01-02 15:04:05 MST"}} · refreshes every {{.Refresh}} s ·
evictions requested: {{.Status.Evictions}}{{if not .Status.Evictor}} (no evictor: not in Kubernetes){{end}} · <a href="api/status">JSON</a></p>
{{if .Status.Hold}}<p class="hold">Evictions held: {{.Status.Hold}}</p>{{end}}
<table>
<thead><tr><th>State</th><th>Service</th><th>Pod</th><th>Instance</th><th>Version</th><th>Last beat</th><th>Last progress</th><th>Waiting</th><th>Detail</th><th>Eviction</th></tr></thead>
<tbody>
{{range .Rows}}<tr class="{{.Color}}">
<td class="state"><span class="dot"></span>{{.State}}</td>
<td>{{.Service}}</td><td>{{.Pod}}{{if .Namespace}} <span class="muted">({{.Namespace}})</span>{{end}}</td>
<td class="muted">{{.Instance}}</td><td>{{.Version}}</td>
<td>{{.LastBeat}}</td><td>{{.LastProgress}}</td><td>{{.Waiting}}</td>
<td>{{if .Reason}}<div>{{.Reason}}</div>{{end}}{{range .Shards}}<div>shard {{.}}</div>{{end}}</td>
<td>{{.Eviction}}</td>
</tr>
{{else}}<tr><td colspan="10" class="muted">No heartbeats yet.</td></tr>
{{end}}</tbody></table>
</body></html>
`

type pageRow struct {
	Color, State, Service, Pod, Namespace, Instance, Version string
	LastBeat, LastProgress, Waiting, Reason, Eviction        string
	Shards                                                   []string
}

// Handler serves the status page on / and the table as JSON on /api/status.
func (m *Monitor) Handler() http.Handler {
	page := template.Must(template.New("page").Parse(pageSource))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(m.Status(time.Now()))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		st := m.Status(now)
		rows := make([]pageRow, 0, len(st.Instances))
		for _, in := range st.Instances {
			rows = append(rows, row(in, now))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := page.Execute(w, map[string]any{"Status": st, "Rows": rows, "Refresh": 5}); err != nil {
			m.log.Warn("status page not written", "err", err)
		}
	})
	return mux
}

func row(in Instance, now time.Time) pageRow {
	b := in.Beat
	state := string(b.State)
	if in.Late {
		state += fmt.Sprintf(" (silent %s)", ago(now, in.Received))
	}
	reason := b.Reason
	if in.Stuck && in.StuckWhy != "" {
		reason = in.StuckWhy
	}
	r := pageRow{Color: in.Color, State: state, Service: b.Service, Pod: b.Pod, Namespace: b.Namespace,
		Instance: b.Instance, Version: b.Version, LastBeat: ago(now, in.Received),
		LastProgress: ago(b.SentAt, b.LastProgress), Waiting: "–", Reason: reason, Eviction: in.Eviction}
	if b.Waiting != nil {
		r.Waiting = fmt.Sprint(*b.Waiting)
	}
	for _, sh := range b.Shards {
		s := fmt.Sprintf("%d: %s", sh.ID, sh.State)
		if sh.Reason != "" && sh.State != "ready" {
			s += " (" + sh.Reason + ")"
		}
		if sh.LatencyMS > 0 {
			s += fmt.Sprintf(", %.0f ms", sh.LatencyMS)
		}
		r.Shards = append(r.Shards, s)
	}
	return r
}

// ago renders how long before now t was, coarsely ("12s ago", "3m ago"); "never" for zero.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := max(now.Sub(t), 0)
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	default:
		return fmt.Sprintf("%dh%02dm ago", int(d.Hours()), int(d.Minutes())%60)
	}
}
