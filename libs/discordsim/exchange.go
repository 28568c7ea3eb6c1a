package discordsim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ReplyKind says how the bot answered.
type ReplyKind string

// Reply kinds.
const (
	// ReplyInteractionResponse is the first answer to an interaction (callback types 4, 5, 6
	// and 7; Deferred is set for 5 and 6).
	ReplyInteractionResponse ReplyKind = "interaction_response"
	// ReplyModal is a callback of type 9; Modal is set.
	ReplyModal ReplyKind = "modal"
	// ReplyFollowup is a message sent with the interaction token (POST /webhooks/{app}/{token}).
	ReplyFollowup ReplyKind = "followup"
	// ReplyEdit is an edit of a reply (the @original response, a follow-up or a channel message).
	ReplyEdit ReplyKind = "edit"
	// ReplyDelete is a deletion of a reply.
	ReplyDelete ReplyKind = "delete"
	// ReplyMessage is a channel message answering a prefix command.
	ReplyMessage ReplyKind = "message"
)

// Reply is one answer of the bot to a driven input.
type Reply struct {
	Kind ReplyKind
	// ResponseType is the interaction callback type for ReplyInteractionResponse and ReplyModal.
	ResponseType int
	// Message is the message as it stands after this reply (zero for deferred updates, modals
	// and deletions).
	Message Message
	Modal   *Modal
	// Deferred marks a "thinking…" acknowledgement (callback 5 or 6) that carries no answer yet.
	Deferred  bool
	Ephemeral bool
	ChannelID Snowflake
	MessageID Snowflake
	Time      time.Time
}

// Exchange collects the bot's replies to one driven input: a slash command, a button click, a
// modal submission or a prefix message.
type Exchange struct {
	// InteractionID and InteractionToken identify the interaction; zero for prefix commands.
	InteractionID    Snowflake
	InteractionToken string
	// Trigger is the user's message of a prefix command.
	Trigger   *Message
	GuildID   Snowflake
	ChannelID Snowflake
	UserID    Snowflake

	created time.Time
	mu      sync.Mutex
	replies []Reply
	changed chan struct{}
}

func newExchange(guildID, channelID, userID Snowflake) *Exchange {
	return &Exchange{GuildID: guildID, ChannelID: channelID, UserID: userID, created: time.Now(),
		changed: make(chan struct{})}
}

func (e *Exchange) add(r Reply) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.replies = append(e.replies, r)
	close(e.changed)
	e.changed = make(chan struct{})
}

func (e *Exchange) snapshot() ([]Reply, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.replies), e.changed
}

// Sent is when the simulator dispatched the input (the interaction or the user's message):
// a reply's Time minus Sent is the bot's response time as Discord would see it.
func (e *Exchange) Sent() time.Time { return e.created }

// Replies returns the replies so far.
func (e *Exchange) Replies() []Reply {
	r, _ := e.snapshot()
	return r
}

// WaitFunc waits until done holds for the replies so far, and returns them.
func (e *Exchange) WaitFunc(ctx context.Context, done func([]Reply) bool) ([]Reply, error) {
	for {
		rs, ch := e.snapshot()
		if done(rs) {
			return rs, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return rs, fmt.Errorf("discordsim: waiting for replies (have %d): %w", len(rs), ctx.Err())
		}
	}
}

// Wait waits until there are at least n replies.
func (e *Exchange) Wait(ctx context.Context, n int) ([]Reply, error) {
	return e.WaitFunc(ctx, func(rs []Reply) bool { return len(rs) >= n })
}

// WaitAnswer waits for the first reply that is not a bare deferral (a message, an edit filling
// a deferred response, a follow-up or a modal) and returns it.
func (e *Exchange) WaitAnswer(ctx context.Context) (Reply, error) {
	var found Reply
	_, err := e.WaitFunc(ctx, func(rs []Reply) bool {
		for _, r := range rs {
			if isAnswer(r) {
				found = r
				return true
			}
		}
		return false
	})
	return found, err
}

func isAnswer(r Reply) bool { return !r.Deferred && r.Kind != ReplyDelete }
