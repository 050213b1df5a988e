-- Circuit breakers shared by the distributed workers (bulwark submit --breaker): one row per job
-- and scope, created with the scope's first counted outcome. Every worker's claim leaves out the
-- items of a scope whose breaker is not CLOSED, and at most the policy's number of trial calls
-- run across all workers while it is half-open.
--
-- Times are the database's clock. A job run by one process (bulwark run) keeps its breakers in
-- memory and never writes here.

CREATE TABLE breakers (
    job_pk           bigint      NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
    scope            text        NOT NULL,
    state            text        NOT NULL DEFAULT 'CLOSED' CHECK (state IN ('CLOSED', 'OPEN', 'HALF_OPEN')),
    -- what the items of the scope do while it is open (the job's --on-open), and the trials it lets through
    on_open          text        NOT NULL CHECK (on_open IN ('PAUSE', 'HALT', 'FAIL')),
    trials           integer     NOT NULL CHECK (trials >= 1),
    -- consecutive counted failures while CLOSED (trip consecutive=N)
    consecutive      integer     NOT NULL DEFAULT 0,
    -- the latest counted failures within the window, newest last, at most N of them (trip failures=N)
    failures         timestamptz[] NOT NULL DEFAULT '{}',
    -- calls and failures per slice of the window (trip rate=P%): slice number of the first
    -- element, one slice being a twentieth of the window; at most twenty of each
    first_slice      bigint      NOT NULL DEFAULT 0,
    slice_calls      integer[]   NOT NULL DEFAULT '{}',
    slice_failures   integer[]   NOT NULL DEFAULT '{}',
    opened_at        timestamptz,
    open_until       timestamptz,
    -- re-opens since it last closed: the open time grows with them
    reopens          integer     NOT NULL DEFAULT 0,
    -- the claims (item fences) that took a trial call; one still RUNNING under its fence is in flight
    trial_fences     bigint[]    NOT NULL DEFAULT '{}',
    trials_succeeded integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (job_pk, scope)
);

-- Claims look for the breakers of a job that are not closed.
CREATE INDEX breakers_troubled ON breakers (job_pk) WHERE state <> 'CLOSED';
