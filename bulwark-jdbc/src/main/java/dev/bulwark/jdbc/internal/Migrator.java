package dev.bulwark.jdbc.internal;

import dev.bulwark.BulwarkException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a ledger's schema up to date with the versioned SQL scripts of its {@link Dialect}
 * ({@code V001__create_ledger.sql}, {@code V002__...}, under {@code db/sqlite/} or
 * {@code db/postgresql/}) and records each applied version in {@code schema_version}, stamped with
 * the database's clock. All pending scripts run in one transaction, so a failed upgrade leaves the
 * previous schema untouched (DDL is transactional on both databases). The transaction first takes
 * the dialect's migration lock, so of many processes opening a new ledger at once one migrates and
 * the others wait, then find the schema current.
 */
public final class Migrator {
    private static final Pattern NAME = Pattern.compile("V(\\d{3})__(\\w+)\\.sql");

    private final Dialect dialect;
    private final List<Migration> migrations;

    record Migration(int version, String description, String resource) {
    }

    public Migrator(Dialect dialect) {
        this.dialect = dialect;
        List<Migration> list = new ArrayList<>();
        for (String script : dialect.clauses().migrationScripts()) {
            Matcher m = NAME.matcher(script);
            if (!m.matches()) {
                throw new IllegalArgumentException("migration script " + script + " is not named like V001__what.sql");
            }
            int version = Integer.parseInt(m.group(1));
            if (version != list.size() + 1) {
                throw new IllegalArgumentException("migration " + script + " should have version " + (list.size() + 1));
            }
            list.add(new Migration(version, m.group(2).replace('_', ' '), dialect.clauses().migrationFolder() + script));
        }
        this.migrations = List.copyOf(list);
    }

    /** The newest schema version this code knows. */
    public int latestVersion() {
        return migrations.size();
    }

    /** The schema version of the database: 0 for an empty one. */
    public int currentVersion(Connection connection, String where) throws SQLException {
        if (!dialect.schema().hasTable(connection, where, "schema_version")) {
            return 0;
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Applies every script newer than the database's version; returns how many ran. The
     * connection must be in auto-commit mode: the migration opens and ends its own transaction.
     * Refuses a database newer than this code.
     *
     * @param where how to name the ledger in messages (a file, or a URL without its password)
     */
    public int migrate(Connection connection, String where) throws SQLException {
        try (Statement s = connection.createStatement()) {
            return ExplicitTransaction.run(s::execute, dialect.clauses().beginMigration(), () -> {
                int current = currentVersion(connection, where);
                checkNotNewer(current, where);
                if (current >= latestVersion()) {
                    return 0;
                }
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                        + "description TEXT NOT NULL, " + dialect.clauses().appliedAtColumn() + ")");
                for (Migration m : migrations.subList(current, migrations.size())) {
                    apply(connection, m);
                }
                return migrations.size() - current;
            });
        }
    }

    /** For read-only use: the database must have exactly the schema this code knows. */
    public void checkCurrent(Connection connection, String where) throws SQLException {
        int current = currentVersion(connection, where);
        checkNotNewer(current, where);
        if (current < latestVersion()) {
            throw new BulwarkException("the ledger " + where + " has schema version " + current + ", but this Bulwark needs version "
                    + latestVersion() + "; open it once read-write (run or resume a job) to upgrade it");
        }
    }

    private void checkNotNewer(int current, String where) {
        if (current > latestVersion()) {
            throw new BulwarkException("the ledger " + where + " has schema version " + current
                    + ", which is newer than this Bulwark knows (up to version " + latestVersion()
                    + "); it was written by a newer Bulwark: upgrade Bulwark to use it");
        }
    }

    private void apply(Connection connection, Migration m) throws SQLException {
        try (Statement s = connection.createStatement()) {
            for (String sql : statements(read(m.resource()))) {
                s.execute(sql);
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, " + dialect.clauses().nowSql() + ")")) {
            insert.setInt(1, m.version());
            insert.setString(2, m.description());
            insert.executeUpdate();
        }
    }

    static String read(String resource) {
        try (InputStream in = Migrator.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("migration script " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read migration script " + resource, e);
        }
    }

    /**
     * Splits a script into statements at semicolons, dropping {@code --} comments; quoted text
     * is kept as is. Enough for DDL scripts; triggers with inner semicolons are not supported.
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (!quoted && c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
            } else if (!quoted && c == ';') {
                addIfNotBlank(out, current);
                current.setLength(0);
            } else {
                if (c == '\'') {
                    quoted = !quoted;
                }
                current.append(c);
            }
        }
        addIfNotBlank(out, current);
        return out;
    }

    private static void addIfNotBlank(List<String> out, StringBuilder sql) {
        String s = sql.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
    }
}
