-- Order per scope (--ordered-by): each item's order scope, rendered from the job's template when
-- the job is submitted. An item with one is claimed only while it is the lowest item without a
-- final outcome (PENDING, RUNNING or RETRY_WAIT) of its scope; NULL for every other job.

ALTER TABLE items ADD COLUMN order_key TEXT;

-- The open items of each order scope, lowest first: a claim takes the head of each scope from here.
CREATE INDEX items_order_open ON items (job_pk, order_key, seq)
    WHERE order_key IS NOT NULL AND status IN ('PENDING', 'RUNNING', 'RETRY_WAIT');
