-- Every change to a guild's settings bumps the guild's version, whoever makes it (a
-- command, the importer, an operator's SQL): a worker that keeps a guild's settings in
-- memory checks, in the transaction that uses them, that the version is still the one it
-- read (Unchanged in cache.go) instead of reading the settings again with every command.
CREATE TABLE guild_versions (
    guild_id text   PRIMARY KEY,
    version  bigint NOT NULL
);

CREATE FUNCTION bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO guildconfig.guild_versions AS v (guild_id, version) VALUES (OLD.guild_id, 1)
        ON CONFLICT (guild_id) DO UPDATE SET version = v.version + 1;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.guild_id <> OLD.guild_id) THEN
        INSERT INTO guildconfig.guild_versions AS v (guild_id, version) VALUES (NEW.guild_id, 1)
        ON CONFLICT (guild_id) DO UPDATE SET version = v.version + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bump_version AFTER INSERT OR UPDATE OR DELETE ON guild_settings
    FOR EACH ROW EXECUTE FUNCTION bump_version();

-- A TRUNCATE names no guild: every guild that ever had a setting has a version, and all
-- of them move.
CREATE FUNCTION bump_all_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE guildconfig.guild_versions SET version = version + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER bump_all_versions AFTER TRUNCATE ON guild_settings
    FOR EACH STATEMENT EXECUTE FUNCTION bump_all_versions();
