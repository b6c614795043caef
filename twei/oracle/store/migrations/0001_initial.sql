-- The oracle's first schema: posts, reading sessions, heartbeats. Plain SQL that SQLite and
-- PostgreSQL both run (BIGINT, TEXT, DOUBLE PRECISION, a partial unique index; booleans as 0/1;
-- post ids as text because they are uint256). IF NOT EXISTS: a SQLite file made before
-- migrations existed (same tables) is adopted as version 1 unchanged.
CREATE TABLE IF NOT EXISTS posts (
    post_id     TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    word_count  INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_id       TEXT PRIMARY KEY,
    post_id          TEXT NOT NULL REFERENCES posts(post_id),
    reader           TEXT NOT NULL,
    started_ms       BIGINT NOT NULL,
    clock_offset_ms  BIGINT NOT NULL,
    time_to_read_ms  BIGINT NOT NULL,
    last_seq         BIGINT NOT NULL,
    last_received_ms BIGINT,
    last_client_ms   BIGINT,
    last_visible     INTEGER NOT NULL,
    last_focused     INTEGER NOT NULL,
    last_scroll_pct  DOUBLE PRECISION NOT NULL,
    last_idle_ms     BIGINT,
    credited_ms      BIGINT NOT NULL,
    max_scroll_pct   DOUBLE PRECISION NOT NULL,
    qualified_at_ms  BIGINT,
    rewarded         INTEGER NOT NULL,
    finished_ms      BIGINT
);
CREATE INDEX IF NOT EXISTS sessions_reader_post ON sessions (reader, post_id);
CREATE INDEX IF NOT EXISTS sessions_qualified ON sessions (qualified_at_ms);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_one_reward
    ON sessions (reader, post_id) WHERE rewarded = 1;
CREATE TABLE IF NOT EXISTS heartbeats (
    session_id   TEXT NOT NULL REFERENCES sessions(session_id),
    seq          BIGINT NOT NULL,
    received_ms  BIGINT NOT NULL,
    client_ms    BIGINT NOT NULL,
    visible      INTEGER NOT NULL,
    focused      INTEGER NOT NULL,
    scroll_pct   DOUBLE PRECISION NOT NULL,
    idle_ms      BIGINT,
    credited_ms  BIGINT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
