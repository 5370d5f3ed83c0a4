-- Peer mentorship: mentors' offers, members' requests, the offers sent to mentors, pairings, check-ins,
-- ratings, blocks and admin-run cohort rounds. Everything about a member hangs off `members` with
-- ON DELETE CASCADE. Timestamps are fixed-width UTC ISO 8601 text (see 0002_badges.sql).

CREATE TABLE mentorship_settings (
    guild_id    BIGINT PRIMARY KEY,
    channel_id  BIGINT
);

-- One row per member offering to mentor. A pause has no end when `paused_until` is NULL; it is over
-- once `paused_until` has passed. `last_active_at` feeds the ranking's recent-activity score.
CREATE TABLE mentors (
    guild_id        BIGINT  NOT NULL,
    user_id         BIGINT  NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 5),
    note            TEXT,
    paused_at       TEXT,
    paused_until    TEXT,
    started_at      TEXT    NOT NULL,
    last_active_at  TEXT    NOT NULL,
    PRIMARY KEY (guild_id, user_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX mentors_by_start ON mentors (guild_id, started_at);

CREATE TABLE mentor_skills (
    guild_id  BIGINT  NOT NULL,
    user_id   BIGINT  NOT NULL,
    position  INTEGER NOT NULL,
    skill     TEXT    NOT NULL,
    known     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id, position),
    FOREIGN KEY (guild_id, user_id) REFERENCES mentors (guild_id, user_id) ON DELETE CASCADE
);

-- status: open (the member is choosing, or a round may take it), offering (an offer waits for a
-- mentor's answer), queued (every ranked mentor declined or let it expire: it waits for an admin's
-- round), matched, cancelled. `ask_again` lets mentors the member was paired with before be offered.
CREATE TABLE mentorship_requests (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    user_id     BIGINT  NOT NULL,
    skill       TEXT    NOT NULL,
    known       INTEGER NOT NULL,
    goal        TEXT,
    language    TEXT,
    ask_again   INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'offering', 'queued', 'matched', 'cancelled')),
    created_at  TEXT    NOT NULL,
    closed_at   TEXT,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
-- One open request per member, enforced by the database as well as the service.
CREATE UNIQUE INDEX mentorship_requests_one_open ON mentorship_requests (guild_id, user_id)
    WHERE status IN ('open', 'offering', 'queued');
CREATE INDEX mentorship_requests_by_status ON mentorship_requests (guild_id, status);

-- An offer asks one mentor to take one request. status: pending, accepted, declined, expired (no answer
-- in time), withdrawn (the request was matched or cancelled, the mentor paused, stopped, filled up or
-- blocked the member). `channel_id`/`message_id` locate the message with its buttons, to edit it later.
CREATE TABLE mentorship_offers (
    id           INTEGER PRIMARY KEY,
    guild_id     BIGINT  NOT NULL,
    request_id   BIGINT  NOT NULL REFERENCES mentorship_requests (id) ON DELETE CASCADE,
    mentor_id    BIGINT  NOT NULL,
    score        REAL    NOT NULL,
    reasons      TEXT    NOT NULL,
    status       TEXT    NOT NULL
        CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    reason       TEXT,
    created_at   TEXT    NOT NULL,
    remind_at    TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    reminded_at  TEXT,
    answered_at  TEXT,
    channel_id   BIGINT,
    message_id   BIGINT,
    FOREIGN KEY (guild_id, mentor_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX mentorship_offers_by_request ON mentorship_offers (request_id);
CREATE INDEX mentorship_offers_by_mentor ON mentorship_offers (guild_id, mentor_id, status);
CREATE INDEX mentorship_offers_due ON mentorship_offers (status, expires_at);

CREATE TABLE mentorship_pairings (
    id               INTEGER PRIMARY KEY,
    guild_id         BIGINT  NOT NULL,
    request_id       BIGINT  REFERENCES mentorship_requests (id) ON DELETE SET NULL,
    mentor_id        BIGINT  NOT NULL,
    mentee_id        BIGINT  NOT NULL,
    skill            TEXT    NOT NULL,
    goal             TEXT,
    matched_at       TEXT    NOT NULL,
    thread_id        BIGINT,
    checkin_due_at   TEXT    NOT NULL,
    checkin_sent_at  TEXT,
    ended_at         TEXT,
    ended_by         BIGINT,
    end_reason       TEXT,
    FOREIGN KEY (guild_id, mentor_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (guild_id, mentee_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX mentorship_pairings_by_mentor ON mentorship_pairings (guild_id, mentor_id);
CREATE INDEX mentorship_pairings_by_mentee ON mentorship_pairings (guild_id, mentee_id);
CREATE INDEX mentorship_pairings_checkin ON mentorship_pairings (checkin_sent_at, checkin_due_at);

-- answer: met, not_yet, ended.
CREATE TABLE mentorship_checkins (
    pairing_id   BIGINT NOT NULL REFERENCES mentorship_pairings (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    answer       TEXT   NOT NULL CHECK (answer IN ('met', 'not_yet', 'ended')),
    answered_at  TEXT   NOT NULL,
    PRIMARY KEY (pairing_id, user_id)
);

-- Private: never shown to the other member.
CREATE TABLE mentorship_ratings (
    pairing_id  BIGINT  NOT NULL REFERENCES mentorship_pairings (id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT,
    rated_at    TEXT    NOT NULL,
    PRIMARY KEY (pairing_id, user_id)
);

-- A block belongs to the member who made it: it stays when the blocked member deletes their data.
CREATE TABLE mentorship_blocks (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    blocked_id  BIGINT NOT NULL,
    created_at  TEXT   NOT NULL,
    PRIMARY KEY (guild_id, user_id, blocked_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX mentorship_blocks_by_blocked ON mentorship_blocks (guild_id, blocked_id);

-- status: preview, published, discarded.
CREATE TABLE mentorship_rounds (
    id          INTEGER PRIMARY KEY,
    guild_id    BIGINT  NOT NULL,
    created_by  BIGINT  NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('preview', 'published', 'discarded')),
    created_at  TEXT    NOT NULL,
    decided_at  TEXT
);

CREATE TABLE mentorship_round_pairs (
    round_id    BIGINT NOT NULL REFERENCES mentorship_rounds (id) ON DELETE CASCADE,
    request_id  BIGINT NOT NULL REFERENCES mentorship_requests (id) ON DELETE CASCADE,
    guild_id    BIGINT NOT NULL,
    mentor_id   BIGINT NOT NULL,
    score       REAL   NOT NULL,
    reasons     TEXT   NOT NULL,
    PRIMARY KEY (round_id, request_id),
    FOREIGN KEY (guild_id, mentor_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
