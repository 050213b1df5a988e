-- Named circuit breakers shared by every job and process on this ledger (bulwark run
-- --breaker-shared, NamedBreaker in the Java API, bulwark breaker list/reset NAME). One row per
-- name: the policy it was created with (later users get this one) and its state, both as JSON
-- written by the Java code; transitions are kept in named_breaker_events. Times are epoch
-- milliseconds. Self-contained: no reference to the other tables.

CREATE TABLE named_breakers (
    name     text    NOT NULL PRIMARY KEY,
    policy   text    NOT NULL,
    state    text    NOT NULL,
    -- when it last changed state, and why (null until it first does)
    since_ms bigint,
    reason   text
);

CREATE TABLE named_breaker_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text    NOT NULL,
    at_ms         bigint NOT NULL,
    from_state    text    NOT NULL,
    to_state      text    NOT NULL,
    open_until_ms bigint,
    reopens       integer NOT NULL,
    reason        text
);

CREATE INDEX named_breaker_events_by_name ON named_breaker_events (name, id);
