-- The ledger of the embedded SQLite store. Times are epoch milliseconds (INTEGER, UTC),
-- statuses and outcomes are enum names, so the file stays readable with the sqlite3 shell.
--
-- Items, attempts and events refer to their job by jobs.pk, a small integer, rather than by the
-- 36-character id: every row and index entry of a big job repeats it, and claims and
-- completions compare it at every step of a b-tree search. AUTOINCREMENT: a pruned job's pk is
-- never handed to a new job, so a pk remembered for a pruned job matches nothing.

CREATE TABLE jobs (
    pk          INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    priority    INTEGER NOT NULL,
    tenant      TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    reason      TEXT,
    config      TEXT    NOT NULL,
    total       INTEGER NOT NULL,
    -- total follows the stored items once items are added, counted here so adding a batch stays O(batch)
    item_count  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
);

CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_finished ON jobs (status, finished_at);

CREATE TABLE items (
    job_pk          INTEGER NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    key             TEXT    NOT NULL,
    payload         TEXT,
    scope           TEXT,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    interruptions   INTEGER NOT NULL DEFAULT 0,
    last_attempt    INTEGER NOT NULL DEFAULT 0,
    fence           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    started_at      INTEGER,
    finished_at     INTEGER,
    error_class     TEXT,
    category        TEXT,
    message         TEXT,
    exit_code       INTEGER,
    duration_ms     INTEGER,
    log_path        TEXT,
    PRIMARY KEY (job_pk, seq)
) WITHOUT ROWID;

-- Items and attempts are clustered on their key (WITHOUT ROWID): every claim and completion
-- finds its row with one b-tree search instead of an index search plus a table search.
-- Partial indexes hold only the items in one status, so a claim and a completion each touch
-- one or two small indexes, and claims never step over the finished part of a job.
-- Queries must repeat the literal status condition for SQLite to use them.

-- Claims take the lowest PENDING sequence numbers of a job.
CREATE INDEX items_pending ON items (job_pk, seq) WHERE status = 'PENDING';
-- Ordered claims and recovery look for RUNNING items.
CREATE INDEX items_running ON items (job_pk, seq) WHERE status = 'RUNNING';
-- Due retries and the next due time.
CREATE INDEX items_retry ON items (job_pk, next_attempt_at) WHERE status = 'RETRY_WAIT';

CREATE TABLE attempts (
    job_pk      INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    error_class TEXT,
    category    TEXT,
    message     TEXT,
    exit_code   INTEGER,
    duration_ms INTEGER NOT NULL,
    worker      TEXT,
    log_path    TEXT,
    PRIMARY KEY (job_pk, seq, number),
    FOREIGN KEY (job_pk, seq) REFERENCES items (job_pk, seq) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    job_pk INTEGER NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
    at     INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    type   TEXT    NOT NULL,
    data   TEXT    NOT NULL
);

CREATE INDEX events_by_job ON events (job_pk, id);

-- Counters that must survive restarts. last_fence: fencing tokens are never reused, so a
-- completion from before a restart can never match a newer claim.
CREATE TABLE ledger_meta (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
);

INSERT INTO ledger_meta (name, value) VALUES ('last_fence', 0);
