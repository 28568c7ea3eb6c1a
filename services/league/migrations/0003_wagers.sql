-- Wagers (SPEC.md §3). A match waits on people for minutes or hours, so its whole state
-- lives here; the stakes it holds are ledger entries (reason 'wager'), and wager_players.held
-- says how much of each player's value the match holds, so that values plus held stakes
-- per guild can be checked to never change.
CREATE TABLE wager_matches (
    id             bigserial   PRIMARY KEY,
    guild_id       text        NOT NULL,
    mode           text        NOT NULL CHECK (mode IN ('1v1', '2v2', '3v3', '5v5')),
    region         text        NOT NULL CHECK (region IN ('NA', 'EU')),
    stake          bigint      NOT NULL CHECK (stake >= 5),
    host_id        text        NOT NULL,
    username       text        NOT NULL,
    server_link    text        NOT NULL DEFAULT '',
    state          text        NOT NULL DEFAULT 'open'
                               CHECK (state IN ('open', 'full', 'submitted', 'settled', 'cancelled')),
    channel_id     text        NOT NULL DEFAULT '',
    message_id     text        NOT NULL DEFAULT '',
    winner         text        CHECK (winner IN ('A', 'B')),
    screenshot     text        NOT NULL DEFAULT '',
    submitted_by   text        NOT NULL DEFAULT '',
    closed_by      text        NOT NULL DEFAULT '',
    event_id       text        NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL,
    closed_at      timestamptz
);
CREATE INDEX wager_matches_live_idx ON wager_matches (guild_id, state) WHERE state IN ('open', 'full', 'submitted');

-- One row per spot taken. A position is unique per team and a player takes one spot per
-- match; held is the stake this match holds for the player (0 once paid out or refunded).
CREATE TABLE wager_players (
    match_id  bigint      NOT NULL REFERENCES wager_matches (id),
    guild_id  text        NOT NULL,
    user_id   text        NOT NULL,
    team      text        NOT NULL CHECK (team IN ('A', 'B')),
    position  text        NOT NULL CHECK (position IN ('CF', 'LW', 'RW', 'CM', 'GK')),
    held      bigint      NOT NULL CHECK (held >= 0),
    joined_at timestamptz NOT NULL,
    PRIMARY KEY (match_id, user_id),
    UNIQUE (match_id, team, position)
);
CREATE INDEX wager_players_held_idx ON wager_players (guild_id) WHERE held > 0;
