package gateway

import (
	"encoding/json"
	"testing"
	"time"

	dgw "github.com/novera-bot/novera/libs/gateway"
)

// TestNewSessionSavedAtOnce: a shard's new session is saved as soon as its first dispatch
// is stored, not at the next save interval (an hour here): a gateway killed right after
// READY must leave its successor a session to resume, or Discord's events for it are lost.
func TestNewSessionSavedAtOnce(t *testing.T) {
	e := newWatchEnv(t, func(o *Options) { o.SessionSaveInterval = time.Hour })
	js := e.svc.o.Bus.JetStream()
	e.until(5*time.Second, "the new session saved", func() bool {
		kv, err := js.KeyValue(t.Context(), SessionBucket)
		if err != nil {
			return false
		}
		entry, err := kv.Get(t.Context(), sessionKey(0, 1))
		if err != nil {
			return false
		}
		var st dgw.SessionState
		if err := json.Unmarshal(entry.Value(), &st); err != nil || !st.Resumable() {
			t.Fatalf("saved session %s is not resumable: %v", entry.Value(), err)
		}
		return true
	})
}
