-- 0001_init: the first schema of redline.
--
-- Conventions (keep them in later migrations and in the PostgreSQL schema):
--   * Every time is an INTEGER of nanoseconds since the Unix epoch, UTC.
--     NULL stands for the zero time.Time ("never", "not yet").
--   * Durations are INTEGER microseconds (columns named *_us).
--   * sha256 values are 64 lowercase hex digits.
--   * Lists and headers are compact JSON text.
--   * Surrogate keys use AUTOINCREMENT so an id is never reused: captures,
--     changes and attempts are cited by id in alerts, exports and URLs.

-- targets: one tracked page, its definition (synced from the configuration)
-- and its scheduling state (kept by the store).
CREATE TABLE targets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    url           TEXT    NOT NULL,
    kind          TEXT    NOT NULL DEFAULT '',
    schedule      TEXT    NOT NULL DEFAULT '',
    select_css    TEXT    NOT NULL DEFAULT '[]', -- JSON array of CSS selectors
    exclude_css   TEXT    NOT NULL DEFAULT '[]', -- JSON array of CSS selectors
    tags          TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    source        TEXT    NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    next_due      INTEGER,                       -- NULL: not scheduled
    lease_owner   TEXT,                          -- NULL: not leased
    lease_until   INTEGER,                       -- lease expiry; a lease at or before now is expired
    last_check_at INTEGER,
    last_outcome  TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- The due queue: active targets by due time.
CREATE INDEX targets_due ON targets (active, next_due);

-- blobs: content-addressed payloads (raw bodies and extracted texts).
-- A regular rowid table on purpose: WITHOUT ROWID is a poor fit for rows
-- holding large values.
CREATE TABLE blobs (
    sha256     TEXT    NOT NULL PRIMARY KEY CHECK (length(sha256) = 64), -- of the uncompressed bytes
    size       INTEGER NOT NULL CHECK (size >= 0),                       -- uncompressed length
    encoding   TEXT    NOT NULL CHECK (encoding IN ('zstd', 'identity')),
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- captures: every fetch of a target, whatever its outcome.
CREATE TABLE captures (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id    INTEGER NOT NULL REFERENCES targets (id),
    fetched_at   INTEGER NOT NULL,
    duration_us  INTEGER NOT NULL DEFAULT 0,
    url          TEXT    NOT NULL,
    final_url    TEXT    NOT NULL DEFAULT '',
    status       INTEGER NOT NULL DEFAULT 0,
    header       TEXT,                          -- compact JSON object; NULL when no response arrived
    content_type TEXT    NOT NULL DEFAULT '',
    outcome      TEXT    NOT NULL,
    error        TEXT    NOT NULL DEFAULT '',
    body_sha256  TEXT    REFERENCES blobs (sha256), -- NULL when no body
    body_size    INTEGER NOT NULL DEFAULT 0,
    text_sha256  TEXT    REFERENCES blobs (sha256), -- NULL when no text
    attempts     INTEGER NOT NULL DEFAULT 0
);

-- History of a target, newest first (also serves paging by id).
CREATE INDEX captures_target ON captures (target_id, id);
-- The baseline: latest good capture (keep the list in step with Outcome.Good).
CREATE INDEX captures_good ON captures (target_id, id)
    WHERE outcome IN ('baseline', 'changed', 'unchanged');
-- Memento (RFC 7089) lookups by datetime.
CREATE INDEX captures_target_time ON captures (target_id, fetched_at);
-- Revisit records (WARC), fixity checks and blob garbage collection.
CREATE INDEX captures_body ON captures (body_sha256) WHERE body_sha256 IS NOT NULL;
CREATE INDEX captures_text ON captures (text_sha256) WHERE text_sha256 IS NOT NULL;

-- changes: a difference in wording between two good captures.
CREATE TABLE changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id       INTEGER NOT NULL REFERENCES targets (id),
    from_capture_id INTEGER REFERENCES captures (id), -- NULL when there is no predecessor
    to_capture_id   INTEGER NOT NULL UNIQUE REFERENCES captures (id),
    detected_at     INTEGER NOT NULL,
    words_added     INTEGER NOT NULL DEFAULT 0,
    words_removed   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX changes_target ON changes (target_id, id);
CREATE INDEX changes_from ON changes (from_capture_id) WHERE from_capture_id IS NOT NULL;

-- alerts: the transactional outbox, one row per message to one notifier.
CREATE TABLE alerts (
    id              TEXT    PRIMARY KEY,         -- stable message id (webhook-id)
    notifier        TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    target_id       INTEGER NOT NULL REFERENCES targets (id),
    change_id       INTEGER REFERENCES changes (id), -- NULL when the event has no change
    payload         BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,                     -- NULL until a 2xx answer
    last_error      TEXT    NOT NULL DEFAULT '',
    lease_owner     TEXT,
    lease_until     INTEGER
);

-- The delivery queue: undelivered alerts by next attempt.
CREATE INDEX alerts_pending ON alerts (next_attempt_at, created_at) WHERE delivered_at IS NULL;
CREATE INDEX alerts_target ON alerts (target_id, created_at);
CREATE INDEX alerts_change ON alerts (change_id) WHERE change_id IS NOT NULL;

-- attempts: every delivery attempt of an alert.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    TEXT    NOT NULL REFERENCES alerts (id),
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    latency_us  INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    response    TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX attempts_alert ON attempts (alert_id, id);
