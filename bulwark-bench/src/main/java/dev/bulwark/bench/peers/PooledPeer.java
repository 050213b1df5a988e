package dev.bulwark.bench.peers;

import com.zaxxer.hikari.HikariDataSource;

/**
 * A runner that works through a connection pool on the target's store ({@link Stores#open}):
 * {@code threads} connections for its workers and 4 more for its own polling and bookkeeping (on
 * SQLite, one connection in all). The pool is opened before the run and closed after it.
 */
abstract class PooledPeer implements Peer {

    @Override
    public final PeerResult run(Target target, long items, int threads) throws Exception {
        try (HikariDataSource ds = Stores.open(target, threads + 4)) {
            return run(target, ds, Stores.settings(target, ds), items, threads);
        }
    }

    /** Runs once on {@code ds}; {@code settings} are the store's durability settings as a connection of it sees them. */
    abstract PeerResult run(Target target, HikariDataSource ds, String settings, long items, int threads) throws Exception;
}
