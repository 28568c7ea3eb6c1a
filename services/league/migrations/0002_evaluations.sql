-- Evaluations (SPEC.md §2). Both flows are multi-step and wait on people, so their state
-- lives here and a restart between any two steps changes nothing.

-- getevaluated posts a request with an Accept button; the button names the row's id.
CREATE TABLE evaluation_requests (
    id           bigserial   PRIMARY KEY,
    guild_id     text        NOT NULL,
    user_id      text        NOT NULL,
    event_id     text        NOT NULL UNIQUE,
    state        text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'closed')),
    evaluator_id text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    decided_at   timestamptz
);
-- One open request per member, enforced where a race cannot slip past it.
CREATE UNIQUE INDEX evaluation_requests_open_idx ON evaluation_requests (guild_id, user_id) WHERE state = 'open';

-- An evaluation from its opening (tryoutsresults, or Accept on a request) to its end.
-- version counts its steps: the expiry timer of step n is keyed by n, so a timer that fired
-- while a later step was being taken is recognised as stale.
CREATE TABLE evaluations (
    id           bigserial   PRIMARY KEY,
    guild_id     text        NOT NULL,
    player_id    text        NOT NULL,
    evaluator_id text        NOT NULL,
    request_id   bigint      REFERENCES evaluation_requests (id),
    channel_id   text        NOT NULL DEFAULT '',
    position     text        CHECK (position IN ('CF', 'LW', 'RW', 'CM', 'GK')),
    state        text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'cancelled', 'expired')),
    version      int         NOT NULL DEFAULT 1,
    ratings      jsonb,
    value        bigint,
    opened_at    timestamptz NOT NULL,
    active_at    timestamptz NOT NULL,
    closed_at    timestamptz,
    closed_by    text        NOT NULL DEFAULT '',
    CHECK (player_id <> evaluator_id)
);
-- One evaluation in progress per player: two evaluators cannot both set a value.
CREATE UNIQUE INDEX evaluations_open_idx ON evaluations (guild_id, player_id) WHERE state = 'open';
CREATE INDEX evaluations_evaluator_idx ON evaluations (guild_id, evaluator_id) WHERE state = 'open';
