-- Reaction-learned tiers (SPEC.md §4): which tier each reply used, the message that
-- carried it once the bot saw it posted, and each server's score per tier.
CREATE TABLE reply_tiers (
    event_id   text        PRIMARY KEY,
    guild_id   text        NOT NULL,
    tier       smallint    NOT NULL CHECK (tier >= 0),
    message_id text        UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tier_scores (
    guild_id text     NOT NULL,
    tier     smallint NOT NULL CHECK (tier >= 0),
    score    bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, tier)
);
