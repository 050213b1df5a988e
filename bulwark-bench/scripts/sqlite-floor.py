#!/usr/bin/env python3
"""sqlite-floor.py — the SQLite ledger's SQL work alone, without the engine.

Runs the statements the SQLite ledger uses for a job (the item inserts of submit, then claims
and completions) from one thread against a fresh database with the ledger's schema, in the most
favourable pattern: each transaction records the completions of the previous claim and claims
the next BATCH items, like a group commit with BATCH items in flight. No engine, no JDBC, no
other thread: what it reaches is a ceiling for `bulwark bench --store sqlite` on the same
machine with that many items per transaction.

Usage: bulwark-bench/scripts/sqlite-floor.py [ITEMS] [BATCH] [DIR]
    ITEMS  items (default 300000); BATCH  items per transaction (default 64, as concurrency 64)
    DIR    where the temporary database goes (default: the system's temporary directory)

Uses Python's own sqlite3 module (the system's SQLite library, which may be another version
than the one bundled with the JDBC driver), WAL mode, synchronous=NORMAL, a 32 MiB page cache,
foreign keys on: the settings of `--durability normal`.
"""
import os
import sqlite3
import sys
import tempfile
import time

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 64
WORKDIR = sys.argv[3] if len(sys.argv) > 3 else None
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "bulwark-jdbc", "src", "main", "resources", "db", "sqlite",
                      "V001__create_ledger.sql")

# The ledger's statements (bulwark-jdbc: ItemStore, Completions), parameters as there.
INSERT_ITEM = "INSERT INTO items (job_pk, seq, key, payload, scope, status) VALUES (?, ?, ?, ?, ?, 'PENDING')"
CLAIM = ("UPDATE items SET status = 'RUNNING', last_attempt = last_attempt + 1, fence = ?1 + seq, "
         "next_attempt_at = NULL, started_at = ?2, finished_at = NULL WHERE job_pk = ?4 AND "
         "seq IN (SELECT seq FROM ("
         "SELECT seq FROM items INDEXED BY items_pending WHERE job_pk = ?4 AND status = 'PENDING' ORDER BY seq LIMIT ?3) "
         "UNION ALL SELECT seq FROM (SELECT seq FROM items INDEXED BY items_retry "
         "WHERE job_pk = ?4 AND status = 'RETRY_WAIT' AND next_attempt_at <= ?2 ORDER BY seq LIMIT ?3) "
         "ORDER BY seq LIMIT ?3) RETURNING seq, key, payload, scope, attempts, interruptions, last_attempt, fence, "
         "started_at, error_class, category, message, exit_code, duration_ms, log_path")
UPDATE_ITEM = ("UPDATE items SET status = ?, attempts = attempts + ?, interruptions = interruptions + ?, "
               "next_attempt_at = ?, started_at = ?, finished_at = ?, error_class = ?, category = ?, message = ?, "
               "exit_code = ?, duration_ms = ?, log_path = coalesce(?, log_path) "
               "WHERE job_pk = ? AND seq = ? AND status = 'RUNNING' AND fence = ?")
INSERT_ATTEMPT = ("INSERT INTO attempts (job_pk, seq, number, started_at, finished_at, outcome, error_class, "
                  "category, message, exit_code, duration_ms, worker, log_path) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def main():
    with tempfile.TemporaryDirectory(prefix="bulwark-sqlite-floor-", dir=WORKDIR) as tmp:
        db = sqlite3.connect(os.path.join(tmp, "ledger.db"), isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -32768", "foreign_keys = ON"):
            db.execute("PRAGMA " + pragma)
        with open(SCHEMA, encoding="utf-8") as f:
            db.executescript(f.read())
        db.execute("INSERT INTO jobs (id, name, priority, tenant, status, config, total, created_at) "
                   "VALUES ('bench', 'bench', 0, 'local', 'RUNNING', '{}', 0, 0)")

        wall0, cpu0 = time.time(), time.process_time()
        for start in range(1, ITEMS + 1, 2000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(INSERT_ITEM, [(1, i, "item-%d" % i, None, None)
                                         for i in range(start, min(ITEMS, start + 1999) + 1)])
            db.execute("COMMIT")
        submit = time.time() - wall0

        wall1 = time.time()
        previous = []
        commits = 0
        while True:
            db.execute("BEGIN IMMEDIATE")
            if previous:
                db.executemany(UPDATE_ITEM, [("SUCCEEDED", 1, 0, None, 1000, 1001, None, None, None, None, 1, None,
                                              1, seq, fence) for seq, fence in previous])
                db.executemany(INSERT_ATTEMPT, [(1, seq, 1, 1000, 1001, "SUCCEEDED", None, None, None, None, 1,
                                                 "bench", None) for seq, _ in previous])
            base = db.execute("SELECT value FROM ledger_meta WHERE name = 'last_fence'").fetchone()[0]
            rows = db.execute(CLAIM, (base, 1000, BATCH, 1)).fetchall()
            if rows:
                db.execute("UPDATE ledger_meta SET value = ? WHERE name = 'last_fence'",
                           (base + max(r[0] for r in rows),))
            db.execute("COMMIT")
            commits += 1
            previous = [(r[0], r[7]) for r in rows]
            if not rows:
                break
        run = time.time() - wall1
        done = db.execute("SELECT count(*) FROM items WHERE status = 'SUCCEEDED'").fetchone()[0]
        db.close()

    total = submit + run
    print(f"SQLite {sqlite3.sqlite_version}, {ITEMS} items, {BATCH} per transaction, {commits} commits")
    print(f"submit {submit:.2f}s, run {run:.2f}s ({ITEMS / run:,.0f} items/s), "
          f"total {total:.2f}s ({ITEMS / total:,.0f} items/s), cpu {time.process_time() - cpu0:.2f}s, "
          f"succeeded {done}")
    if done != ITEMS:
        sys.exit(1)


if __name__ == "__main__":
    main()
