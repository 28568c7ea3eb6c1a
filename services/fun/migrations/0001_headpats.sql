-- Pats a member received, per guild and UTC day; the third of a day wins the goodboy role.
CREATE TABLE headpats (
    guild_id text    NOT NULL,
    user_id  text    NOT NULL,
    day      date    NOT NULL,
    count    integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (guild_id, user_id, day)
);

-- Who holds the goodboy role in each guild, so that moving it takes it from them alone.
CREATE TABLE goodboy (
    guild_id text        PRIMARY KEY,
    user_id  text        NOT NULL,
    since    timestamptz NOT NULL
);
