-- cleanserver runs: one per command, resumable (a restart rescans, and deleting what is
-- already gone is harmless), with the progress message edited as it goes.
CREATE TABLE cleanups (
    id                  bigserial   PRIMARY KEY,
    event_id            text        NOT NULL UNIQUE,
    guild_id            text        NOT NULL,
    channel_id          text        NOT NULL,
    requested_by        text        NOT NULL,
    per_channel         integer     NOT NULL CHECK (per_channel > 0),
    progress_message_id text,
    channels_done       integer     NOT NULL DEFAULT 0,
    channels_total      integer     NOT NULL DEFAULT 0,
    scanned             integer     NOT NULL DEFAULT 0,
    deleted             integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    finished_at         timestamptz
);
