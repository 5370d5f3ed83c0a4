-- The member directory as /find reads it: one row per skill of each member who opted into the directory,
-- carrying everything a search ranks and words, so a search reads this table alone and never the badges
-- or profiles. It is derived data: every profile and badge write rebuilds the member's rows in the same
-- transaction (bot/profiles/store.py, refresh_directory), and this migration fills it once.
--
-- `declared` = 1: the profile lists the skill. `proven` = 1: a verified badge that is not self-reported
-- proves it, until `proven_until` (the latest expiry among such badges; NULL when one never expires).
-- `evidence` is the alphabetically first of those badges' titles, until `evidence_until` (the latest
-- expiry among the badges of that title). Expiry is checked by each search, because time passes without
-- any write: a badge stops counting the moment it expires, as everywhere else.
CREATE TABLE directory_skills (
    guild_id        BIGINT  NOT NULL,
    skill           TEXT    NOT NULL,
    user_id         BIGINT  NOT NULL,
    declared        INTEGER NOT NULL,
    proven          INTEGER NOT NULL,
    proven_until    TEXT,
    evidence        TEXT,
    evidence_until  TEXT,
    weekly_hours    INTEGER,
    open_to_work    INTEGER NOT NULL,
    timezone        TEXT,
    PRIMARY KEY (guild_id, skill, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
-- Covers every column a search ranks by, so one search is a range scan of this index per asked skill.
CREATE INDEX directory_skills_for_find ON directory_skills
    (guild_id, skill, user_id, proven, proven_until, declared, weekly_hours, open_to_work, timezone);
-- Rebuilding one member's rows finds them here. User id first: led by the guild, it would tempt the planner
-- to walk a whole guild in user order to group a search, rather than read the asked skills and sort.
CREATE INDEX directory_skills_by_member ON directory_skills (user_id, guild_id);
-- A search near a time zone first lists the zones directory members live in, one index seek per zone.
CREATE INDEX profiles_directory_zones ON profiles (guild_id, timezone) WHERE directory = 1;

-- 'Untitled badge' is the title of a badge without a name (bot/text.py, UNTITLED_BADGE).
INSERT INTO directory_skills (guild_id, skill, user_id, declared, proven, proven_until, evidence,
                              evidence_until, weekly_hours, open_to_work, timezone)
SELECT p.guild_id, h.skill, p.user_id, max(h.declared), max(h.proven),
       CASE WHEN count(h.expires_at) < sum(h.proven) THEN NULL ELSE max(h.expires_at) END,
       min(h.title),
       CASE WHEN count(CASE WHEN h.title = h.first_title THEN h.expires_at END)
                 < sum(CASE WHEN h.title = h.first_title THEN 1 ELSE 0 END) THEN NULL
            ELSE max(CASE WHEN h.title = h.first_title THEN h.expires_at END) END,
       p.weekly_hours, p.open_to_work, p.timezone
FROM profiles p
JOIN (
    SELECT guild_id, user_id, skill, 1 AS declared, 0 AS proven, NULL AS expires_at, NULL AS title,
           NULL AS first_title
    FROM profile_skills
    UNION ALL
    SELECT b.guild_id, b.user_id, s.skill, 0, 1, b.expires_at, coalesce(b.name, 'Untitled badge'),
           min(coalesce(b.name, 'Untitled badge')) OVER (PARTITION BY b.guild_id, b.user_id, s.skill)
    FROM badges b JOIN badge_skills s ON s.badge_id = b.id
    WHERE b.status = 'VALID' AND b.self_reported = 0
) h ON h.guild_id = p.guild_id AND h.user_id = p.user_id
WHERE p.directory = 1
GROUP BY p.guild_id, p.user_id, h.skill;
