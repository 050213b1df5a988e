package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings a PostgreSQL ledger schema up to date, the way {@link Migrator} does for SQLite: versioned
 * scripts under {@code db/postgresql/}, each applied version recorded in {@code schema_version}
 * (with the database's clock), all pending scripts in one transaction (PostgreSQL's DDL is
 * transactional, so a failed upgrade leaves the previous schema untouched).
 *
 * <p>Many processes may open the same ledger at once: the transaction first takes a transaction-level
 * advisory lock keyed on the schema, so one of them migrates and the others wait, then find the
 * schema current. The lock goes with the transaction, also when the process dies.
 */
public final class PgMigrator {
    /** The PostgreSQL ledger's scripts, in order; add new ones at the end and never edit applied ones. */
    public static final List<String> SCRIPTS = List.of("V001__create_ledger.sql", "V002__compensated_items.sql",
            "V003__worker_leases.sql", "V004__shared_breakers.sql");

    /** First key of the advisory lock ("Bulw"); the second is a hash of the schema name. */
    static final int LOCK_CLASS = 0x42756c77;

    private final Migrator scripts = new Migrator("db/postgresql/", SCRIPTS);

    /** The newest schema version this code knows. */
    public int latestVersion() {
        return scripts.latestVersion();
    }

    /** The SQL that takes the migration lock of the current schema until the transaction ends. */
    public static String lockSql() {
        return "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(coalesce(current_schema(), '')))";
    }

    /**
     * Applies every script newer than the schema's version and returns how many ran. Uses and
     * ends its own transaction on {@code connection}. Refuses a schema newer than this code.
     *
     * @param where how to name the ledger in messages (a URL without its password)
     */
    public int migrate(Connection connection, String where) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.execute(lockSql());
            String schema = currentSchema(connection);
            if (schema == null) {
                throw new BulwarkException("cannot prepare the ledger " + where + ": none of the schemas on its search path "
                        + "exists; create the schema named by currentSchema first");
            }
            int current = currentVersion(connection);
            checkNotNewer(current, where);
            int applied = 0;
            if (current < latestVersion()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL PRIMARY KEY, "
                        + "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
                for (Migrator.Migration m : scripts.migrations().subList(current, latestVersion())) {
                    for (String sql : Migrator.statements(Migrator.read(m.resource()))) {
                        s.execute(sql);
                    }
                    try (PreparedStatement insert = connection.prepareStatement(
                            "INSERT INTO schema_version (version, description) VALUES (?, ?)")) {
                        insert.setInt(1, m.version());
                        insert.setString(2, m.description());
                        insert.executeUpdate();
                    }
                    applied++;
                }
            }
            connection.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The schema version of the connection's current schema: 0 for an empty one. */
    public int currentVersion(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('schema_version') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return 0;
            }
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String currentSchema(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void checkNotNewer(int current, String where) {
        if (current > latestVersion()) {
            throw new BulwarkException("the ledger " + where + " has schema version " + current
                    + ", which is newer than this Bulwark knows (up to version " + latestVersion()
                    + "); it was written by a newer Bulwark: upgrade Bulwark to use it");
        }
    }
}
