-- Distributed workers (bulwark submit / bulwark worker): jobs handed to workers, leases on the
-- items they claimed, and how often an item's lease expired (it stalled).
--
-- A job run by one process (bulwark run, Engine.run) keeps dispatch = 'local' and is never
-- touched by workers; bulwark submit sets 'workers' once every item is stored.

ALTER TABLE jobs ADD COLUMN dispatch text NOT NULL DEFAULT 'local' CHECK (dispatch IN ('local', 'workers'));
-- The job's concurrency limit across all workers together (its configured concurrency).
ALTER TABLE jobs ADD COLUMN max_running integer NOT NULL DEFAULT 1 CHECK (max_running >= 1);

-- Who holds the current claim, until when (the database clock: now() + the lease), and how many
-- claims of the item ended with an expired lease.
ALTER TABLE items ADD COLUMN lease_owner text;
ALTER TABLE items ADD COLUMN lease_until timestamptz;
ALTER TABLE items ADD COLUMN stalls integer NOT NULL DEFAULT 0;

-- Jobs workers pick from, in priority order.
CREATE INDEX jobs_for_workers ON jobs (priority, created_at) WHERE dispatch = 'workers' AND status IN ('QUEUED', 'RUNNING');
-- Running items of a job: how many (the job's limit across workers) and whose lease expired.
CREATE INDEX items_running ON items (job_pk, lease_until) WHERE status = 'RUNNING';
