-- Spanks a member received, per guild and UTC day (kept like headpats, without a role race).
CREATE TABLE spanks (
    guild_id text    NOT NULL,
    user_id  text    NOT NULL,
    day      date    NOT NULL,
    count    integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (guild_id, user_id, day)
);
