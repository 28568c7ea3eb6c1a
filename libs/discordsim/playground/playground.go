// Package playground is the simulator's web page: a Discord-like client in plain HTML, CSS and
// JavaScript, embedded in the binary, that lets a person use the bot in a browser without a
// Discord account. It talks only to the simulator's control API (/_sim/state, /_sim/commands,
// /_sim/click, /_sim/modal, /_sim/channels/{id}/messages), so it has no Go logic of its own
// beyond serving its files: the page is at "/" and its assets under Prefix.
package playground

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

// Prefix is the path under which the page's assets are served.
const Prefix = "/playground/"

//go:embed static
var static embed.FS

// Handler serves the page at "/" and its assets under Prefix; anything else is a 404.
func Handler() http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		// The embedded tree is fixed at build time; a wrong name is a bug caught by the tests.
		panic(err)
	}
	assets := http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		// The page is a development tool: always fetch the current one, and let it load
		// nothing but its own files and the pictures the bot links to.
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src * data:; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		switch p := r.URL.Path; {
		case p == "/" || p == "/index.html":
			http.ServeFileFS(w, r, files, "index.html")
		case strings.HasPrefix(p, Prefix) && p != Prefix:
			assets.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}
