-- The channel watch: channels whose messages are checked for badges, and the bot's verdict reply to
-- each checked message (so an edit updates that reply instead of posting another).

CREATE TABLE watch_channels (
    guild_id    BIGINT  NOT NULL,
    channel_id  BIGINT  NOT NULL,
    auto_add    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id)
);

CREATE TABLE watch_replies (
    message_id  BIGINT  PRIMARY KEY,
    channel_id  BIGINT  NOT NULL,
    reply_id    BIGINT  NOT NULL,
    created_at  TEXT    NOT NULL
);
