-- The clanker roast's memory per channel: when it last fired, and until when it only
-- answers with short retorts (after repeated triggers).
CREATE TABLE clanker (
    guild_id     text        NOT NULL,
    channel_id   text        NOT NULL,
    last_trigger timestamptz NOT NULL,
    retort_until timestamptz,
    PRIMARY KEY (guild_id, channel_id)
);
