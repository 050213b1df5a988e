package dev.bulwark.jdbc.postgres;

import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.PgTx;
import dev.bulwark.jdbc.internal.Tables;

/**
 * The shared ledger's group transactions: each group on a pooled connection, run again on a fresh
 * one when the connection died before the commit was sent ({@link PgTx}). With
 * {@code synchronous_commit=on} every commit waits for the disk, so one commit (one WAL flush)
 * records a whole group of outcomes.
 */
public final class PostgresTransactions implements GroupCommitter.Transactions {
    private final PgTx tx;

    public PostgresTransactions(PgTx tx) {
        this.tx = tx;
    }

    @Override
    public void commit(GroupCommitter.Group group) {
        tx.write("record " + group.describe(), c -> Tables.on(c, PostgresDialect.INSTANCE, tables -> {
            group.run(tables);
            return null;
        }));
    }

    @Override
    public void close() {
        // The pool is the ledger's to close.
    }
}
