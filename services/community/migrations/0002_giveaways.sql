-- A giveaway and its entrants. winner_id and drawn_at are set once, by the draw.
CREATE TABLE giveaways (
    id         bigserial   PRIMARY KEY,
    guild_id   text        NOT NULL,
    channel_id text        NOT NULL,
    host_id    text        NOT NULL,
    prize      text        NOT NULL CHECK (length(prize) BETWEEN 1 AND 200),
    ends_at    timestamptz NOT NULL,
    event_id   text        NOT NULL UNIQUE,
    winner_id  text,
    drawn_at   timestamptz
);

CREATE TABLE giveaway_entries (
    giveaway_id bigint      NOT NULL REFERENCES giveaways (id),
    user_id     text        NOT NULL,
    entered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (giveaway_id, user_id)
);
