package dev.bulwark.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fresh PostgreSQL database for one test class, and a fresh schema in it for each ledger.
 *
 * <p>The server is the one named by the environment variable {@code BULWARK_TEST_PG_URL}
 * ({@code jdbc:postgresql://HOST:PORT/DB?user=…&password=…}, or the same without {@code jdbc:}),
 * whose user may create databases; when it is unset, an embedded PostgreSQL (binaries from Maven
 * Central) starts once per test JVM on a free port and stops with it. As root, the embedded
 * server runs in a user namespace of its own ({@code unshare -U}), since PostgreSQL refuses to
 * run as root. If the given user may not create databases, the class works in schemas of the
 * given database instead, and drops them at the end. A server given by {@link #ENV} must be
 * PostgreSQL 14 or newer (the tests wait for terminated connections with pg_terminate_backend's
 * timeout, and drop databases WITH (FORCE)).
 *
 * <p>Shipped in this module's test-jar, so that the command line's process tests use the same server.
 */
public final class PgTestDatabase implements AutoCloseable {
    static final String ENV = "BULWARK_TEST_PG_URL";
    private static final Pattern URL = Pattern.compile("^(jdbc:postgresql://[^/?]*/)([^?]*)(\\?.*)?$");

    private static String serverUrl;
    private static EmbeddedPostgres embedded;

    private final String url;
    private final String database;
    private final boolean ownDatabase;
    private final List<String> schemas = new ArrayList<>();
    /** Kept open for the class: a new connection costs a new server process. */
    private Connection admin;

    private PgTestDatabase(String url, String database, boolean ownDatabase) {
        this.url = url;
        this.database = database;
        this.ownDatabase = ownDatabase;
    }

    /** The JDBC URL of the server's maintenance database, starting the embedded server if needed. */
    public static synchronized String serverUrl() {
        if (serverUrl == null) {
            String given = System.getenv(ENV);
            if (given != null && !given.isBlank()) {
                serverUrl = PostgresLedger.jdbcUrl(given.strip());
            } else {
                try {
                    embedded = EmbeddedPostgres.builder().start();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start the embedded PostgreSQL (set " + ENV
                            + " to use a running server instead)", e);
                }
                serverUrl = embedded.getJdbcUrl("postgres", "postgres");
            }
        }
        return serverUrl;
    }

    /** Whether the tests run on the embedded server (not one given by {@link #ENV}). */
    public static boolean isEmbedded() {
        serverUrl();
        return embedded != null;
    }

    /** Creates a new, empty database on the test server. */
    public static PgTestDatabase create(String purpose) {
        String server = serverUrl();
        String name = ("bulwark_" + purpose + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
            return new PgTestDatabase(withDatabase(server, name), name, true);
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                // No right to create databases: schemas of the given database keep the classes apart.
                return new PgTestDatabase(server, null, false);
            }
            throw new IllegalStateException("cannot create a test database on " + PostgresLedger.describe(server), e);
        }
    }

    /** The JDBC URL of this database. */
    public String url() {
        return url;
    }

    /** A new, empty schema; returns its name. */
    public String newSchema() {
        String schema = "ledger_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute("CREATE SCHEMA " + schema);
        schemas.add(schema);
        return schema;
    }

    /** The URL of the ledger in {@code schema}, with extra parameters ({@code name=value&…}) or null. */
    public String url(String schema, String extra) {
        String withSchema = withParameter(url, "currentSchema=" + schema);
        return extra == null ? withSchema : withParameter(withSchema, extra);
    }

    /** A direct connection to this database, working in {@code schema}. */
    public Connection connect(String schema) throws SQLException {
        return DriverManager.getConnection(url(schema, null));
    }

    public synchronized void execute(String sql) {
        try {
            if (admin == null) {
                admin = DriverManager.getConnection(url);
            }
            try (Statement s = admin.createStatement()) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run " + sql, e);
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            if (!ownDatabase) {
                for (String schema : schemas) {
                    execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
            try {
                admin.close();
            } catch (SQLException ignored) {
                // Dropped with the database, or closed by the server: nothing is left to release.
            }
            admin = null;
        }
        if (ownDatabase) {
            try (Connection c = DriverManager.getConnection(serverUrl()); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot drop the test database " + database, e);
            }
        }
    }

    private static String withDatabase(String jdbcUrl, String database) {
        Matcher m = URL.matcher(jdbcUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read the database of " + PostgresLedger.describe(jdbcUrl));
        }
        return m.group(1) + database + (m.group(3) == null ? "" : m.group(3));
    }

    private static String withParameter(String jdbcUrl, String parameter) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + parameter;
    }
}
