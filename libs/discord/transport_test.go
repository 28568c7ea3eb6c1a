package discord

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestTransportKeepsConnections: a worker's calls in flight at once (32) find their
// connections again on the next round instead of dialling new ones, which the default
// transport (two idle connections per host) did.
func TestTransportKeepsConnections(t *testing.T) {
	var dialled atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: NewTransport()}
	const inFlight = 32
	round := func() {
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
		wg.Wait()
	}
	const rounds = 6
	for range rounds {
		round()
	}
	// Never more connections than calls at once: each round finds the last one's idle
	// connections (the default transport closed all but two and dialled again).
	if n := dialled.Load(); n > inFlight+inFlight/8 {
		t.Errorf("%d connections dialled over %d rounds of %d calls at once; want at most about %d, reused", n, rounds, inFlight, inFlight)
	}
}
