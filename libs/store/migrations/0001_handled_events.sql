-- Events a service has handled, recorded in the same transaction as their effects so that
-- a redelivered event is recognised (see MarkHandled). payload holds what is to be sent
-- once the transaction has committed (the replies), done_at when it has been sent.
CREATE TABLE handled_events (
    event_id   text PRIMARY KEY,
    handled_at timestamptz NOT NULL DEFAULT now(),
    payload    jsonb,
    done_at    timestamptz
);

-- For PruneHandled.
CREATE INDEX handled_events_handled_at_idx ON handled_events (handled_at);
