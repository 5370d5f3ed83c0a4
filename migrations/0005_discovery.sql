-- Skill mapping and discovery: the member directory opt-in, the weekly digest's schedule, and the skills
-- searched with /find (counted per hour, with no member attached, for the digest's "most requested").
-- Timestamps are UTC ISO 8601 text of one fixed width, like the showcase's.

-- Off by default: a member appears in /find and /role show only after opting in with /profile edit.
ALTER TABLE profiles ADD COLUMN directory INTEGER NOT NULL DEFAULT 0;

-- /find narrows candidates by skill through these, then reads only directory members' profiles.
-- Covering the columns the search reads keeps each candidate to index lookups.
CREATE INDEX badge_skills_for_find ON badge_skills (guild_id, skill, badge_id);
CREATE INDEX profile_skills_for_find ON profile_skills (guild_id, skill, user_id);
CREATE INDEX profiles_in_directory ON profiles (guild_id, user_id, weekly_hours, open_to_work, timezone)
    WHERE directory = 1;
-- The digest reads a week of new badges.
CREATE INDEX badges_by_added ON badges (guild_id, added_at);

-- `last_slot` is the latest weekly slot claimed for posting; `posting` = 1 while its post is on its way,
-- so a restart after a crash mid-post knows not to post that slot a second time.
CREATE TABLE digest_settings (
    guild_id    BIGINT  PRIMARY KEY,
    channel_id  BIGINT  NOT NULL,
    day         INTEGER NOT NULL,
    hour        INTEGER NOT NULL,
    last_slot   TEXT,
    posting     INTEGER NOT NULL DEFAULT 0
);

-- Aggregate counts only: which member searched is never stored.
CREATE TABLE search_counts (
    guild_id  BIGINT  NOT NULL,
    hour      TEXT    NOT NULL,
    skill     TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, hour, skill)
);
CREATE INDEX search_counts_by_hour ON search_counts (hour);
