package gateway

import (
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// Gateway close codes (Discord's "Gateway Close Event Codes").
const (
	CloseUnknownError         = 4000
	CloseUnknownOpcode        = 4001
	CloseDecodeError          = 4002
	CloseNotAuthenticated     = 4003
	CloseAuthenticationFailed = 4004
	CloseAlreadyAuthenticated = 4005
	CloseInvalidSeq           = 4007
	CloseRateLimited          = 4008
	CloseSessionTimedOut      = 4009
	CloseInvalidShard         = 4010
	CloseShardingRequired     = 4011
	CloseInvalidAPIVersion    = 4012
	CloseInvalidIntents       = 4013
	CloseDisallowedIntents    = 4014
)

// clientCloseCode is what this client closes with whenever it drops a
// connection itself. Discord invalidates the session on 1000 and 1001, so we
// never use those: any other code keeps the session resumable, by this
// process after a reconnect or by another one that loads the saved state.
const clientCloseCode = websocket.StatusCode(4000)

// closeAction says what a close code asks of the client.
type closeAction int

const (
	actionResume   closeAction = iota // reconnect and resume the session
	actionIdentify                    // reconnect with a fresh identify
	actionFatal                       // stop: retrying cannot succeed
)

// classifyClose maps a close code to what to do and a human explanation.
// A switch rather than a map keeps the table immutable.
func classifyClose(code int) (closeAction, string) {
	switch code {
	case CloseUnknownError:
		return actionResume, "unknown error (4000)"
	case CloseUnknownOpcode:
		return actionResume, "unknown opcode (4001): the client sent an invalid opcode"
	case CloseDecodeError:
		return actionResume, "decode error (4002): the client sent an invalid payload"
	case CloseNotAuthenticated:
		return actionResume, "not authenticated (4003): a payload was sent before identifying"
	case CloseAlreadyAuthenticated:
		return actionResume, "already authenticated (4005): more than one identify was sent"
	case CloseRateLimited:
		return actionResume, "rate limited (4008): the client sent payloads too quickly"
	case CloseInvalidSeq:
		return actionIdentify, "invalid seq (4007): the sequence sent when resuming was invalid"
	case CloseSessionTimedOut:
		return actionIdentify, "session timed out (4009)"
	case CloseAuthenticationFailed:
		return actionFatal, "authentication failed (4004): the bot token is invalid"
	case CloseInvalidShard:
		return actionFatal, "invalid shard (4010): the shard id or shard count is invalid"
	case CloseShardingRequired:
		return actionFatal, "sharding required (4011): the bot is in too many guilds for this shard count; use more shards"
	case CloseInvalidAPIVersion:
		return actionFatal, "invalid API version (4012): the gateway does not accept v10"
	case CloseInvalidIntents:
		return actionFatal, "invalid intents (4013): the intents value is not a valid bitfield"
	case CloseDisallowedIntents:
		return actionFatal, "disallowed intents (4014): a privileged intent (GUILD_MEMBERS, GUILD_PRESENCES or MESSAGE_CONTENT) is not enabled for this bot in the developer portal"
	}
	return actionResume, fmt.Sprintf("connection closed with code %d", code)
}

// FatalError is returned by Run when Discord closed the connection with a
// code that reconnecting cannot fix (bad token, bad shard, bad intents...).
type FatalError struct {
	ShardID int
	Code    int    // the close code, e.g. 4004
	Reason  string // our explanation, e.g. "authentication failed (4004): the bot token is invalid"
	// ServerReason is the close reason text Discord sent, if any.
	ServerReason string
}

func (e *FatalError) Error() string {
	return fmt.Sprintf("gateway: shard %d: %s", e.ShardID, e.Reason)
}

// reconnectError ends one connection and tells Run how to make the next.
type reconnectError struct {
	reason string
	// resume keeps the session so the next connection resumes it; false
	// clears it so the next connection identifies.
	resume bool
	// wait, when set, replaces the back-off (op 9 asks for 1-5 s).
	wait *time.Duration
	// immediate skips the back-off: Discord asked us to move (op 7, op 9 true).
	immediate bool
	err       error
}

func (e *reconnectError) Error() string {
	if e.err != nil {
		return e.reason + ": " + e.err.Error()
	}
	return e.reason
}

func (e *reconnectError) Unwrap() error { return e.err }

// planFromReadError turns the error that ended the read loop into what Run
// should do next: a *FatalError, or a *reconnectError.
func planFromReadError(shardID int, err error) error {
	var rc *reconnectError
	if errors.As(err, &rc) {
		return rc
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		return &reconnectError{reason: "connection lost", resume: true, err: err}
	}
	code := int(ce.Code)
	action, why := classifyClose(code)
	switch action {
	case actionFatal:
		return &FatalError{ShardID: shardID, Code: code, Reason: why, ServerReason: ce.Reason}
	case actionIdentify:
		return &reconnectError{reason: "closed by Discord: " + why, resume: false, err: err}
	default:
		return &reconnectError{reason: "closed by Discord: " + why, resume: true, err: err}
	}
}
