-- Durable timers: a command a handler asked to receive again at due_at (a giveaway's end,
-- an unfilled match's timeout). key is the handler's own name for the timer, unique per
-- service schema, so scheduling twice keeps one timer. fired_at marks it delivered.
CREATE TABLE timers (
    id         bigserial   PRIMARY KEY,
    key        text        NOT NULL UNIQUE,
    command    text        NOT NULL,
    state      text        NOT NULL DEFAULT '',
    guild_id   text        NOT NULL DEFAULT '',
    channel_id text        NOT NULL DEFAULT '',
    due_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    fired_at   timestamptz
);

CREATE INDEX timers_due_idx ON timers (due_at) WHERE fired_at IS NULL;
