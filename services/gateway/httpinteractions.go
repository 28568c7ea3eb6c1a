package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	dgw "github.com/novera-bot/novera/libs/gateway"
)

// Limits of the HTTP interactions endpoint.
const (
	// MaxInteractionBody caps a request body. Discord's interaction payloads are a few
	// KiB even with many resolved members; anything far larger is not Discord.
	MaxInteractionBody = 64 << 10
	// MaxSignatureAge refuses a signed request replayed later (and clocks far ahead):
	// the signature covers the timestamp, so an attacker cannot refresh it.
	MaxSignatureAge = 5 * time.Minute
	// interactionPublishTimeout leaves room inside Discord's 3 seconds: the worker still
	// has to answer through the callback endpoint after the bus has the command.
	interactionPublishTimeout = 2 * time.Second
)

// ParsePublicKey reads the application's public key as shown in the developer portal
// (64 hex digits).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		// The value is not echoed: it is configuration, and errors end up in logs.
		return nil, fmt.Errorf("want %d hex digits of an Ed25519 public key", 2*ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// InteractionsHandler serves Discord's HTTP interactions endpoint. Requests are
// verified (Ed25519 over X-Signature-Timestamp + body), PINGs are answered, and every
// other interaction goes down exactly the path a websocket INTERACTION_CREATE takes.
//
// The HTTP reply to a verified interaction is 202 Accepted with no body. Discord takes
// the first response either as the reply to its POST or through
// POST /interactions/{id}/{token}/callback, once; our workers always answer through the
// callback (the same code serves websocket interactions, where there is no HTTP reply to
// use). Replying here with a deferred response (type 5) would make the worker's callback
// fail with 40060 "already acknowledged", which the workers read as "answered", and the
// real answer would be lost; a late worker already defers on its own (issue 9, item 3).
// So the gateway acknowledges receipt only, and only once the bus holds the command: a
// publish that fails is a 503, so Discord shows the user the interaction failed instead
// of waiting for an answer that will never come.
func (s *Service) InteractionsHandler() (http.Handler, error) {
	if len(s.o.InteractionsKey) != ed25519.PublicKeySize {
		return nil, errors.New("gateway: the HTTP interactions endpoint needs InteractionsKey")
	}
	return &interactionsHandler{s: s, key: s.o.InteractionsKey, now: time.Now}, nil
}

type interactionsHandler struct {
	s   *Service
	key ed25519.PublicKey
	now func() time.Time
}

func (h *interactionsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	received := h.now()
	sig, err := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	ts := r.Header.Get("X-Signature-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	if age := received.Sub(time.Unix(sec, 0)); age > MaxSignatureAge || age < -MaxSignatureAge {
		http.Error(w, "stale request timestamp", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInteractionBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(h.key, msg, sig) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var head struct {
		ID   string `json:"id"`
		Type int    `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if head.Type == interactionPing {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":1}`))
		return
	}
	if head.ID == "" {
		// Without an id the event has no identity to deduplicate by (and no callback).
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	// Discord hanging up must not cancel a publish it is waiting on the answer to.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), interactionPublishTimeout)
	defer cancel()
	d := dgw.Dispatch{Type: "INTERACTION_CREATE", Data: json.RawMessage(body), ReceivedAt: received}
	if err := h.s.receive(ctx, d, viaHTTP, nil); err != nil {
		// receive has logged the cause.
		http.Error(w, "interaction not accepted", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// ServeInteractions serves h on addr until ctx ends, then shuts down gracefully within
// shutdownTimeout so interactions in flight still reach the bus.
func ServeInteractions(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	const shutdownTimeout = 5 * time.Second
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("gateway: interactions endpoint: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("interactions endpoint listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("gateway: interactions endpoint: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("gateway: interactions endpoint shutdown: %w", err)
	}
	return nil
}
