-- The shared ledger in PostgreSQL: the same tables as the embedded SQLite ledger, in PostgreSQL's
-- own types. Times are timestamptz (microseconds, UTC), statuses and outcomes are enum names, so
-- the tables stay readable with psql. Everything lives in the connection's current schema
-- (currentSchema in the JDBC URL), so several ledgers can share one database.
--
-- Items, attempts and events refer to their job by jobs.pk, a bigint identity, rather than by
-- its uuid: every row and index entry of a big job repeats it. Identity values are never handed
-- out twice, so a pk remembered for a pruned job matches nothing.

CREATE TABLE jobs (
    pk          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          uuid        NOT NULL UNIQUE,
    name        text        NOT NULL,
    priority    integer     NOT NULL,
    tenant      text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED')),
    reason      text,
    -- the frozen configuration snapshot, as the JSON text Bulwark wrote
    config      text        NOT NULL,
    total       bigint      NOT NULL,
    -- total follows the stored items once items are added, counted here so adding a batch stays O(batch)
    item_count  bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz
);

CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_finished ON jobs (status, finished_at);

CREATE TABLE items (
    job_pk          bigint      NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
    seq             bigint      NOT NULL,
    key             text        NOT NULL,
    payload         text,
    scope           text,
    status          text        NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'RETRY_WAIT', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
    attempts        integer     NOT NULL DEFAULT 0,
    interruptions   integer     NOT NULL DEFAULT 0,
    last_attempt    integer     NOT NULL DEFAULT 0,
    -- the fencing token of the current claim, from the sequence item_fences (0: never claimed)
    fence           bigint      NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    error_class     text,
    category        text,
    message         text,
    exit_code       integer,
    duration_ms     bigint,
    log_path        text,
    PRIMARY KEY (job_pk, seq)
);

-- Partial indexes hold only the items in some statuses, so claims never step over the finished
-- part of a job, however big it is.
-- Claims take the lowest PENDING sequence numbers of a job.
CREATE INDEX items_pending ON items (job_pk, seq) WHERE status = 'PENDING';
-- Ordered claims take the lowest item without a final outcome; recovery looks for RUNNING items.
CREATE INDEX items_unfinished ON items (job_pk, seq) WHERE status IN ('PENDING', 'RUNNING', 'RETRY_WAIT');
-- Due retries and the next due time.
CREATE INDEX items_retry ON items (job_pk, next_attempt_at) WHERE status = 'RETRY_WAIT';

CREATE TABLE attempts (
    job_pk      bigint      NOT NULL,
    seq         bigint      NOT NULL,
    number      integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    outcome     text        NOT NULL,
    error_class text,
    category    text,
    message     text,
    exit_code   integer,
    duration_ms bigint      NOT NULL,
    worker      text,
    log_path    text,
    PRIMARY KEY (job_pk, seq, number),
    FOREIGN KEY (job_pk, seq) REFERENCES items (job_pk, seq) ON DELETE CASCADE
);

CREATE TABLE events (
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_pk bigint      NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
    at     timestamptz NOT NULL,
    seq    bigint      NOT NULL,
    type   text        NOT NULL,
    -- the event's fields as JSON text
    data   text        NOT NULL
);

CREATE INDEX events_by_job ON events (job_pk, id);

-- Fencing tokens: every claim of every item by every process takes a new value, and values are
-- never reused (not even after a rollback), so a completion from an older claim never matches a
-- newer one.
CREATE SEQUENCE item_fences AS bigint START WITH 1;
