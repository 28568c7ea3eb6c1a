-- servermessage drafts: the preview waits for its author's Send or Cancel, once.
CREATE TABLE drafts (
    id         bigserial   PRIMARY KEY,
    event_id   text        NOT NULL UNIQUE,
    guild_id   text        NOT NULL,
    channel_id text        NOT NULL,
    author_id  text        NOT NULL,
    content    text        NOT NULL CHECK (char_length(content) <= 2000),
    ping       text        NOT NULL DEFAULT '',
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'cancelled')),
    created_at timestamptz NOT NULL,
    decided_at timestamptz
);
