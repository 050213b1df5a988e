package dev.bulwark.bench.peers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The stores every runner of the peer harness gets alike: a fresh SQLite file in WAL mode with
 * {@code synchronous=FULL} (every commit waits for the disk, as Bulwark's {@code --durability full}),
 * or a fresh schema of a PostgreSQL database, dropped afterwards.
 */
final class Stores {
    private Stores() {
    }

    /**
     * A pool of <em>one</em> connection on a SQLite file: WAL, {@code synchronous=FULL},
     * transactions that take the write lock when they begin ({@code BEGIN IMMEDIATE}) and a busy
     * timeout. SQLite has one writer at a time, and Bulwark's ledger one writer thread; with
     * several connections the runners' threads contend for the lock in SQLite's busy handler
     * (which sleeps), and under load a commit could fail with {@code SQLITE_BUSY} (Spring Batch's
     * job failed so once in three runs, and ran 5 to 8 times slower than with one connection).
     */
    static HikariDataSource sqlite(Path file) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:sqlite:" + file + "?journal_mode=WAL&synchronous=FULL&busy_timeout=60000&transaction_mode=IMMEDIATE");
        c.setMaximumPoolSize(1);
        c.setPoolName("peer-sqlite");
        return new HikariDataSource(c);
    }

    /** A pool on the target's store: {@link #sqlite} (one connection) or {@link #pool} ({@code size} connections). */
    static HikariDataSource open(Peer.Target target, int size) {
        return target.postgres() ? pool(target.jdbcUrl(), size) : sqlite(target.file());
    }

    /** The target's durability settings as a connection of {@code ds} sees them. */
    static String settings(Peer.Target target, DataSource ds) throws SQLException {
        return target.postgres() ? postgresSettings(target.jdbcUrl()) : sqliteSettings(ds);
    }

    /** A pool on a JDBC URL (PostgreSQL). */
    static HikariDataSource pool(String jdbcUrl, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl);
        c.setMaximumPoolSize(size);
        c.setPoolName("peer-postgresql");
        return new HikariDataSource(c);
    }

    /** SQLite's journal mode and synchronous level as a connection of {@code ds} sees them, e.g. {@code wal/synchronous=2}. */
    static String sqliteSettings(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            return pragma(s, "journal_mode") + "/synchronous=" + pragma(s, "synchronous");
        }
    }

    /** The server's {@code synchronous_commit} and {@code fsync}, e.g. {@code synchronous_commit=on/fsync=on}. */
    static String postgresSettings(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            return "synchronous_commit=" + show(s, "synchronous_commit") + "/fsync=" + show(s, "fsync");
        }
    }

    private static String pragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String show(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The JDBC form of a {@code postgresql://} URL (a {@code jdbc:} URL is kept). */
    static String jdbc(String url) {
        return url.startsWith("jdbc:") ? url : "jdbc:" + url;
    }

    /** A schema of its own, created on open and dropped with everything in it on close. */
    static final class Schema implements AutoCloseable {
        private final String adminUrl;
        private final String name;

        Schema(String url) throws SQLException {
            this.adminUrl = jdbc(url);
            this.name = "peers_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + name);
            }
        }

        /** The JDBC URL whose connections work in this schema. */
        String url() {
            return adminUrl + (adminUrl.contains("?") ? "&" : "?") + "currentSchema=" + name;
        }

        @Override
        public void close() throws SQLException {
            try (Connection c = DriverManager.getConnection(adminUrl); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + name + " CASCADE");
            }
        }
    }
}
