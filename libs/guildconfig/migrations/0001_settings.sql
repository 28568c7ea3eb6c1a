-- One row per setting that differs from its default; absent rows mean "default", so new
-- settings need no backfill.
CREATE TABLE guild_settings (
    guild_id   text        NOT NULL,
    key        text        NOT NULL,
    value      text        NOT NULL,
    updated_by text        NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, key)
);
