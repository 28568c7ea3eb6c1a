-- Team tickets: teams created through the panel, and tournament sign-ups.
CREATE TABLE teams (
    id         bigserial   PRIMARY KEY,
    guild_id   text        NOT NULL,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    captain_id text        NOT NULL,
    cf         text        NOT NULL,
    wingers    text        NOT NULL,
    cm         text        NOT NULL,
    gk         text        NOT NULL,
    event_id   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name_idx ON teams (guild_id, lower(name));

CREATE TABLE tournament_entries (
    id         bigserial   PRIMARY KEY,
    guild_id   text        NOT NULL,
    team_name  text        NOT NULL CHECK (length(team_name) BETWEEN 1 AND 50),
    players    text[]      NOT NULL CHECK (cardinality(players) = 3),
    entered_by text        NOT NULL,
    event_id   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
