package discordsim

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// event is one dispatch to every session that should see it.
type event struct {
	name string
	// guildID routes the event to the sessions of the guild's shard; 0 means shard 0, where
	// Discord sends DMs and other guild-less events.
	guildID Snowflake
	// intent is what a session needs to receive the event; 0 means every session.
	intent Intents
	// data is the payload, the same for every session, unless render is set: then each
	// session's payload depends on its intents (content stripping, member lists).
	data   any
	render func(Intents) any
}

// shardFor is Discord's guild-to-shard rule.
func shardFor(guildID Snowflake, count int) int {
	if count <= 1 {
		return 0
	}
	return int((uint64(guildID) >> 22) % uint64(count))
}

// emitLocked sends ev to every matching session and returns how many got it. Callers hold s.mu,
// which is what keeps dispatch order equal to state-change order.
func (s *Server) emitLocked(ev event) int {
	var shared []byte
	var byIntents map[Intents][]byte
	n := 0
	for _, ss := range s.w.sessions {
		if !ss.holds(ev.guildID) || (ev.intent != 0 && !ss.intents.Has(ev.intent)) {
			continue
		}
		var d []byte
		if ev.render != nil {
			if byIntents == nil {
				byIntents = map[Intents][]byte{}
			}
			d = byIntents[ss.intents]
			if d == nil {
				d = s.marshalPayload(ev.name, ev.render(ss.intents))
				byIntents[ss.intents] = d
			}
		} else {
			if shared == nil {
				shared = s.marshalPayload(ev.name, ev.data)
			}
			d = shared
		}
		ss.dispatchLocked(ev.name, d, s.opts.ResumeBufferSize)
		n++
	}
	return n
}

func (s *Server) marshalPayload(name string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Payloads are built by this package; failing here is a bug, not bad input.
		s.log.Error("encode dispatch", "event", name, "err", err)
		return []byte("null")
	}
	return b
}

// Dispatch sends an arbitrary event to the sessions holding guildID's shard (shard 0 for
// guildID 0), filtered by the intent Discord requires for that event type. payload is encoded
// as JSON as is; the simulator does not change its state. It returns how many sessions got it.
func (s *Server) Dispatch(guildID Snowflake, eventType string, payload any) (int, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("discordsim: encode %s payload: %w", eventType, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.emitLocked(event{name: eventType, guildID: guildID,
		intent: eventIntent(eventType, guildID == 0), data: json.RawMessage(raw)})
	return n, nil
}

// emitMessageLocked sends MESSAGE_CREATE or MESSAGE_UPDATE for m, with the content emptied for
// sessions that lack MESSAGE_CONTENT when Discord would do so.
func (s *Server) emitMessageLocked(name string, m *Message) {
	strip := s.needsContentIntent(m)
	s.emitLocked(event{
		name:    name,
		guildID: m.GuildID,
		intent:  eventIntent(name, m.GuildID == 0),
		render: func(in Intents) any {
			shape := messageForGateway
			if strip && !in.Has(IntentMessageContent) {
				shape |= messageNoContent
			}
			return s.messageJSONLocked(m, shape)
		},
	})
}

func (s *Server) emitMessageDeleteLocked(m *Message) {
	d := map[string]any{"id": m.ID, "channel_id": m.ChannelID}
	if m.GuildID != 0 {
		d["guild_id"] = m.GuildID
	}
	s.emitLocked(event{name: "MESSAGE_DELETE", guildID: m.GuildID,
		intent: eventIntent("MESSAGE_DELETE", m.GuildID == 0), data: d})
}

// frame builds a gateway payload. Non-dispatch payloads carry "t":null and "s":null as
// Discord's do.
func frame(op int, t string, seq int64, d []byte) []byte {
	b := make([]byte, 0, len(d)+64)
	if t == "" {
		b = append(b, `{"t":null,"s":null,"op":`...)
		b = strconv.AppendInt(b, int64(op), 10)
	} else {
		b = append(b, `{"t":`...)
		b = strconv.AppendQuote(b, t)
		b = append(b, `,"s":`...)
		b = strconv.AppendInt(b, seq, 10)
		b = append(b, `,"op":0`...)
	}
	b = append(b, `,"d":`...)
	if len(d) == 0 {
		d = []byte("null")
	}
	b = append(b, d...)
	return append(b, '}')
}
