-- Named circuit breakers shared by every job and process on this ledger (bulwark run
-- --breaker-shared, NamedBreaker in the Java API, bulwark breaker list/reset NAME). One row per
-- name: the policy it was created with (later users get this one) and its state, both as JSON
-- written by the Java code; transitions are kept in named_breaker_events. Times are epoch
-- milliseconds. Self-contained: no reference to the other tables.

CREATE TABLE named_breakers (
    name     TEXT    NOT NULL PRIMARY KEY,
    policy   TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    -- when it last changed state, and why (null until it first does)
    since_ms INTEGER,
    reason   TEXT
);

CREATE TABLE named_breaker_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    at_ms         INTEGER NOT NULL,
    from_state    TEXT    NOT NULL,
    to_state      TEXT    NOT NULL,
    open_until_ms INTEGER,
    reopens       INTEGER NOT NULL,
    reason        TEXT
);

CREATE INDEX named_breaker_events_by_name ON named_breaker_events (name, id);
