-- Members and their profiles, per guild. Everything stored about a member in a
-- guild hangs off `members` with ON DELETE CASCADE, so deleting that one row
-- deletes all of it.

CREATE TABLE members (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE profiles (
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    headline       TEXT,
    bio            TEXT,
    portfolio_url  TEXT,
    timezone       TEXT,
    weekly_hours   INTEGER,
    rate_min       INTEGER,
    rate_max       INTEGER,
    rate_currency  TEXT,
    open_to_work   INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- `skill` is the canonical name when the curated list knows it (`known` = 1),
-- otherwise the member's own spelling.
CREATE TABLE profile_skills (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    skill     TEXT    NOT NULL,
    known     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, position),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX profile_skills_by_skill ON profile_skills (guild_id, skill);

CREATE TABLE profile_languages (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    language  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, position),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- Private: used only for badge recipient checks, never shown to other members.
CREATE TABLE profile_emails (
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    email     TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id, email),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);

-- Small facts the bot keeps about itself, such as the hash of the last
-- command set synced to Discord.
CREATE TABLE bot_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
