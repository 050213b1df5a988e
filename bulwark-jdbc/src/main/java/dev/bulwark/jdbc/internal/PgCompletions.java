package dev.bulwark.jdbc.internal;

import dev.bulwark.jdbc.postgres.PostgresDialect;
import dev.bulwark.ledger.Completion;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/** {@link Completions} on one PostgreSQL connection, as a static shortcut for the code only the shared ledger has. */
public final class PgCompletions {
    private PgCompletions() {
    }

    /** Records one completion in the caller's transaction, or throws why it cannot be recorded. */
    public static void apply(Connection c, Completion completion) throws SQLException {
        Tables.on(c, PostgresDialect.INSTANCE, tables -> {
            tables.completions().apply(completion);
            return null;
        });
    }

    /** See {@link Completions#writeAll}: records completions in the caller's transaction. */
    public static RuntimeException[] writeAll(Connection c, List<Completion> completions) throws SQLException {
        return Tables.on(c, PostgresDialect.INSTANCE, tables -> tables.completions().writeAll(completions));
    }
}
