-- The ledger: every change of a member's value or gold is one appended row; rows are never
-- updated or deleted. balance_after is the balance the row produced, so history reads
-- without summing and the property test can check the chain.
CREATE TABLE ledger (
    id            bigserial   PRIMARY KEY,
    guild_id      text        NOT NULL,
    user_id       text        NOT NULL,
    currency      text        NOT NULL CHECK (currency IN ('value', 'gold')),
    delta         bigint      NOT NULL CHECK (delta <> 0),
    balance_after bigint      NOT NULL CHECK (balance_after >= 0),
    reason        text        NOT NULL CHECK (reason IN ('evaluation', 'wager', 'staff', 'correction', 'import')),
    actor_id      text        NOT NULL DEFAULT '',
    event_id      text        NOT NULL,
    note          text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- One entry per member, currency and causing event: a replayed event cannot apply twice
    -- even if a caller forgot its own exactly-once record.
    UNIQUE (guild_id, user_id, currency, event_id)
);
CREATE INDEX ledger_member_idx ON ledger (guild_id, user_id, currency, id DESC);

-- Append-only, enforced: history that can be rewritten is not history.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'league.ledger is append-only';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Current balances, materialised by the same transaction that appends to the ledger. The
-- CHECK is the last line of defence: Go refuses first, with a clear error.
CREATE TABLE balances (
    guild_id   text        NOT NULL,
    user_id    text        NOT NULL,
    currency   text        NOT NULL CHECK (currency IN ('value', 'gold')),
    amount     bigint      NOT NULL DEFAULT 0 CHECK (amount >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id, currency)
);
CREATE INDEX balances_rank_idx ON balances (guild_id, currency, amount DESC);

-- Members seen leaving (GUILD_MEMBER_REMOVE) and not seen back: ranks count current
-- members only, without asking Discord for the member list on every checkvalue.
CREATE TABLE departed (
    guild_id text        NOT NULL,
    user_id  text        NOT NULL,
    left_at  timestamptz NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- Messages and reactions per member, from the EVENTS stream.
CREATE TABLE activity (
    guild_id    text        NOT NULL,
    user_id     text        NOT NULL,
    messages    bigint      NOT NULL DEFAULT 0 CHECK (messages >= 0),
    reactions   bigint      NOT NULL DEFAULT 0 CHECK (reactions >= 0),
    last_active timestamptz NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- resetallgold waits for its author's Confirm or Cancel for 60 s; the prompt lives here, so
-- a restart between the prompt and the click changes nothing.
CREATE TABLE gold_resets (
    id         text        PRIMARY KEY,
    guild_id   text        NOT NULL,
    author_id  text        NOT NULL,
    expires_at timestamptz NOT NULL,
    state      text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'cancelled', 'expired')),
    decided_at timestamptz
);
