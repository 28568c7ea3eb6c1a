-- Profanity-filter warnings. A message is warned at most once (UNIQUE), however often its
-- events are delivered; utm clears a member's warnings by stamping cleared_at, so the
-- history stays for the mod-log.
CREATE TABLE warnings (
    id              bigserial   PRIMARY KEY,
    guild_id        text        NOT NULL,
    user_id         text        NOT NULL,
    channel_id      text        NOT NULL,
    message_id      text        NOT NULL,
    category        text        NOT NULL,
    matches         text[]      NOT NULL,
    level           integer     NOT NULL CHECK (level >= 0),
    timeout_seconds bigint      NOT NULL CHECK (timeout_seconds >= 0),
    created_at      timestamptz NOT NULL,
    cleared_at      timestamptz,
    UNIQUE (guild_id, message_id)
);
CREATE INDEX warnings_active ON warnings (guild_id, user_id) WHERE cleared_at IS NULL;

-- Discord calls the service owes, now or later: the filter's deletions, warnings, timeouts
-- and mod-log entries (written in the transaction that judged the message, performed
-- after it commits), and timers such as deleting a warning 30 s after it was posted.
-- key makes scheduling idempotent; replicas claim due jobs with SKIP LOCKED.
CREATE TABLE jobs (
    id         bigserial   PRIMARY KEY,
    key        text        NOT NULL UNIQUE,
    kind       text        NOT NULL,
    payload    jsonb       NOT NULL,
    due_at     timestamptz NOT NULL,
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    done_at    timestamptz
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;

-- What the filter needs to compute a message author's permissions (messages carry roles,
-- not permissions): each guild's owner and its roles' permission bits, fed by guild and
-- role events and fetched over REST when missing.
CREATE TABLE guild_perms (
    guild_id   text        PRIMARY KEY,
    owner_id   text        NOT NULL,
    roles      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Every moderation command's effect, keyed by the command's event id: the audit trail
-- behind the mod-log.
CREATE TABLE actions (
    event_id     text        PRIMARY KEY,
    guild_id     text        NOT NULL,
    kind         text        NOT NULL,
    moderator_id text        NOT NULL,
    target_id    text        NOT NULL,
    detail       text        NOT NULL DEFAULT '',
    until        timestamptz,
    created_at   timestamptz NOT NULL
);
