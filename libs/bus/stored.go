package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stored calls fn with each message stream holds on a subject matching filter that it
// stored at or after since, oldest first, until none is left or fn returns an error
// (which Stored returns). It reads with the stream's message get API, not a consumer:
// that works on the work-queue COMMANDS stream, whose consumers may not overlap, and it
// takes nothing from anybody. On COMMANDS it therefore sees the commands no worker has
// acknowledged yet. Msg.Delivered and Msg.Consumer are zero.
//
// Each message costs one request; it is meant for the few seconds' worth a successor
// needs to take over from a process that died, not for reading a stream in bulk.
func (b *Bus) Stored(ctx context.Context, stream, filter string, since time.Time, fn func(Msg) error) error {
	seq, ok, err := b.firstSince(ctx, stream, filter, since)
	if err != nil || !ok {
		return err
	}
	st, err := b.js.Stream(ctx, stream)
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", stream, err)
	}
	for {
		raw, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filter))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bus: read %s at %d: %w", stream, seq, err)
		}
		m := Msg{Subject: raw.Subject, Data: raw.Data, Header: raw.Header, Stream: stream,
			Sequence: raw.Sequence, Timestamp: raw.Time}
		if raw.Header != nil {
			m.MsgID = raw.Header.Get(jetstream.MsgIDHeader)
		}
		if err := fn(m); err != nil {
			return err
		}
		seq = raw.Sequence + 1
	}
}

// msgGetRequest is the part of JetStream's message get request that nats.go's GetMsg
// does not offer: the start time, which makes the server find the first message at or
// after it (NATS 2.11 and later).
type msgGetRequest struct {
	StartTime time.Time `json:"start_time"`
	NextFor   string    `json:"next_by_subj"`
}

type msgGetResponse struct {
	Error *struct {
		Code        int    `json:"code"`
		ErrCode     int    `json:"err_code"`
		Description string `json:"description"`
	} `json:"error"`
	Message *struct {
		Seq uint64 `json:"seq"`
	} `json:"message"`
}

// firstSince finds the sequence of the first message on filter stored at or after since;
// ok is false when there is none.
func (b *Bus) firstSince(ctx context.Context, stream, filter string, since time.Time) (seq uint64, ok bool, err error) {
	req, err := json.Marshal(msgGetRequest{StartTime: since.UTC(), NextFor: filter})
	if err != nil {
		return 0, false, fmt.Errorf("bus: %w", err)
	}
	reply, err := b.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+stream, req)
	if err != nil {
		return 0, false, fmt.Errorf("bus: find %s messages since %s: %w", stream, since.Format(time.RFC3339Nano), err)
	}
	var resp msgGetResponse
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		return 0, false, fmt.Errorf("bus: find %s messages since %s: %w", stream, since.Format(time.RFC3339Nano), err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrCode == int(jetstream.JSErrCodeMessageNotFound):
		return 0, false, nil
	case resp.Error != nil:
		return 0, false, fmt.Errorf("bus: find %s messages since %s: %s (%d)", stream, since.Format(time.RFC3339Nano),
			resp.Error.Description, resp.Error.Code)
	case resp.Message == nil:
		return 0, false, fmt.Errorf("bus: find %s messages since %s: empty answer", stream, since.Format(time.RFC3339Nano))
	}
	return resp.Message.Seq, true, nil
}
