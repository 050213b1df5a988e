package dev.bulwark.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.bulwark.BulwarkException;
import dev.bulwark.jdbc.internal.GroupCommitter;
import dev.bulwark.jdbc.internal.Migrator;
import dev.bulwark.jdbc.internal.PgErrors;
import dev.bulwark.jdbc.internal.PgRows;
import dev.bulwark.jdbc.internal.PgTx;
import dev.bulwark.jdbc.internal.Tables;
import dev.bulwark.jdbc.postgres.PostgresDialect;
import dev.bulwark.jdbc.postgres.PostgresTransactions;
import dev.bulwark.ledger.Ledger;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The shared ledger: PostgreSQL, for many Bulwark processes on many machines at once.
 *
 * <p>Thread-safe, and safe to use from any number of processes on the same database (and schema).
 * Claims lock the items they take with {@code FOR NO KEY UPDATE SKIP LOCKED}, so concurrent
 * claimers never wait for each other and never get the same item; each claim takes a fencing
 * token from a database sequence, and a completion is recorded only while its item is still
 * RUNNING under that token (checked and written in one statement), else it fails with
 * {@link dev.bulwark.ledger.StaleFenceException}, whichever process claimed the item since.
 *
 * <p>{@link #complete} and {@link #appendEvent} are group-committed: one writer thread records
 * whatever has queued in one transaction, and their futures complete, on a ledger callback
 * thread, once it committed. All other methods run at once on a pooled connection, in their own
 * transaction, after waiting for the group-committed writes this process queued before them, so
 * they see those. Dependent actions of the futures may call this ledger, but must not wait for
 * another of its futures.
 *
 * <p>Time: the {@link Ledger} interface hands in the times to store and compare ({@code now} of
 * claims and recovery, the due times of retries, the times of transitions and attempts, the
 * cut-off of pruning), and this ledger uses exactly those, so that every implementation behaves
 * the same. Workers on several machines should take their {@code now} from {@link #databaseNow()}
 * rather than from their own clocks. The database's own clock stamps what the interface leaves
 * open (when a schema version was applied).
 *
 * <p>Times are stored as timestamptz, to the microsecond. Text cannot hold U+0000 in PostgreSQL:
 * it is stored as U+FFFD. Connections come from a HikariCP pool; one that died (a restarted server,
 * a dropped link) is replaced, and work that failed on it before its commit was sent runs again
 * on a fresh one. Work whose commit was not acknowledged fails (its outcome counts as not
 * recorded; a retry of it after a successful commit is rejected as stale).
 */
public final class PostgresLedger extends JdbcLedger {
    private static final Pattern PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");

    private final String where;
    private final DataSource dataSource;
    private final HikariDataSource ownPool;
    private final java.util.Map<String, HikariDataSource> sidePools = new java.util.HashMap<>(); // guarded by this
    private final PgTx tx;
    private final GroupCommitter writer;
    private final dev.bulwark.jdbc.internal.JdbcBreakerStore breakers;

    private PostgresLedger(String where, DataSource dataSource, HikariDataSource ownPool) {
        this.where = where;
        this.dataSource = dataSource;
        this.ownPool = ownPool;
        Runnable evictIdle = ownPool == null ? () -> { } : () -> {
            HikariPoolMXBean pool = ownPool.getHikariPoolMXBean();
            if (pool != null) {
                pool.softEvictConnections();
            }
        };
        this.tx = new PgTx(dataSource, where, evictIdle);
        this.writer = new GroupCommitter(new PostgresTransactions(tx), where, "bulwark-pg-ledger", 5_000);
        this.breakers = new dev.bulwark.jdbc.internal.JdbcBreakerStore(new dev.bulwark.jdbc.internal.JdbcBreakerStore.Transactions() {
            @Override
            public <T> T write(String what, PgTx.Work<T> work) {
                return tx.write(what, work);
            }

            @Override
            public <T> T read(String what, PgTx.Work<T> work) {
                return tx.read(what, work);
            }
        }, true);
    }

    /**
     * Opens the ledger at {@code url} ({@code jdbc:postgresql://HOST[:PORT]/DB?…} or
     * {@code postgresql://HOST[:PORT]/DB?…}; user and password may be parameters of the URL, and
     * {@code currentSchema} picks the schema), creating or upgrading its tables.
     */
    public static PostgresLedger open(String url) {
        return open(url, (String) null, (String) null);
    }

    /**
     * Opens the ledger at {@code url} as {@code user} (null: from the URL), with a pool of up to 8
     * connections, creating or upgrading its tables. Safe when several processes open the same
     * new ledger at once.
     *
     * @throws BulwarkException if the database cannot be reached, or was written by a newer Bulwark
     */
    public static PostgresLedger open(String url, String user, String password) {
        return open(url, user, password, Map.of());
    }

    /**
     * Opens the ledger at {@code url} as {@link #open(String)} does, with more defaults for the
     * driver (pgjdbc connection parameters such as {@code socketTimeout}); parameters of the URL win.
     */
    public static PostgresLedger open(String url, Map<String, String> driverDefaults) {
        return open(url, null, null, driverDefaults);
    }

    private static PostgresLedger open(String url, String user, String password, Map<String, String> driverDefaults) {
        String jdbcUrl = jdbcUrl(url);
        String where = describe(jdbcUrl);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName("bulwark-ledger");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        // How long an operation waits for a connection while the database is unreachable.
        config.setConnectionTimeout(10_000);
        // Defaults for the driver; parameters of the URL win.
        config.addDataSourceProperty("ApplicationName", "bulwark");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        // Adding items is one batch of INSERTs: sent as multi-row INSERTs, not a statement per item.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        driverDefaults.forEach(config::addDataSourceProperty);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BulwarkException("cannot connect to the ledger " + where + ": " + cause.getMessage(), e);
        }
        try {
            return openOn(where, pool, pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Opens the ledger on connections from {@code dataSource} (a pool the caller configured and
     * closes; the ledger never closes it), creating or upgrading its tables.
     *
     * @param description how to name the ledger in messages, without secrets
     */
    public static PostgresLedger open(DataSource dataSource, String description) {
        Objects.requireNonNull(dataSource, "dataSource");
        return openOn(description, dataSource, null);
    }

    private static PostgresLedger openOn(String where, DataSource dataSource, HikariDataSource ownPool) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            new Migrator(PostgresDialect.INSTANCE).migrate(connection, where);
        } catch (SQLException e) {
            throw PgErrors.translate(where, "prepare the tables", e);
        }
        PostgresLedger ledger = new PostgresLedger(where, dataSource, ownPool);
        prepareJson();
        return ledger;
    }

    /** The JDBC form of a PostgreSQL URL: {@code postgresql://…} gets its {@code jdbc:} prefix. */
    static String jdbcUrl(String url) {
        Objects.requireNonNull(url, "url");
        if (url.startsWith("jdbc:postgresql:")) {
            return url;
        }
        if (url.startsWith("postgresql://")) {
            return "jdbc:" + url;
        }
        throw new BulwarkException("not a PostgreSQL URL: " + describe(url)
                + " (expected postgresql://HOST[:PORT]/DATABASE or jdbc:postgresql://HOST[:PORT]/DATABASE)");
    }

    /** {@code url} without its password, for messages. */
    static String describe(String url) {
        return PASSWORD.matcher(url).replaceAll("$1***");
    }

    /** The URL (without password) or description this ledger was opened with. */
    public String where() {
        return where;
    }

    /** The database's clock ({@code now()}), the one clock all workers of a shared ledger agree on. */
    public Instant databaseNow() {
        return read("read the database clock", t -> {
            try (Statement s = t.connection().createStatement(); ResultSet rs = s.executeQuery("SELECT now()")) {
                rs.next();
                return PgRows.instant(rs, 1);
            }
        });
    }

    /**
     * A small pool of connections of its own beside the ledger's, for work that must not wait
     * behind the ledger's other work and must not hang on a dead network (a worker's heartbeats):
     * up to 2 connections to the same database, whose driver gives up connecting or waiting for
     * an answer after {@code timeout} (pgjdbc {@code connectTimeout} and {@code socketTimeout},
     * whole seconds, at least 1; parameters of the URL win), with TCP keepalive. Closed with the
     * ledger. A ledger opened on a caller's data source has no pool of its own: that data source
     * is returned (its settings are the caller's).
     */
    synchronized DataSource sidePool(String name, Duration timeout) {
        if (ownPool == null) {
            return dataSource;
        }
        HikariDataSource pool = sidePools.get(name);
        if (pool != null) {
            return pool;
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(ownPool.getJdbcUrl());
        config.setUsername(ownPool.getUsername());
        config.setPassword(ownPool.getPassword());
        config.setDataSourceProperties(ownPool.getDataSourceProperties());
        config.setPoolName(name);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        long ms = Math.max(250, timeout.toMillis());
        config.setConnectionTimeout(ms);
        config.setValidationTimeout(ms);
        config.setInitializationFailTimeout(-1); // made while the database is away: it connects when it is back
        String seconds = Long.toString(Math.max(1, (timeout.toMillis() + 999) / 1000));
        config.addDataSourceProperty("connectTimeout", seconds);
        config.addDataSourceProperty("socketTimeout", seconds);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        pool = new HikariDataSource(config);
        sidePools.put(name, pool);
        return pool;
    }

    /** Records what is queued, stops the writer thread and closes the pools (if the ledger made them). Idempotent. */
    @Override
    public void close() {
        writer.close();
        synchronized (this) {
            sidePools.values().forEach(HikariDataSource::close);
            sidePools.clear();
        }
        if (ownPool != null) {
            ownPool.close();
        }
    }

    @Override
    <T> T write(String what, Tables.Work<T> work) {
        writer.checkOpen();
        writer.awaitQueued();
        return tx.write(what, c -> Tables.on(c, PostgresDialect.INSTANCE, work));
    }

    @Override
    <T> T read(String what, Tables.Work<T> work) {
        writer.checkOpen();
        writer.awaitQueued();
        return tx.read(what, c -> Tables.on(c, PostgresDialect.INSTANCE, work));
    }

    @Override
    void checkWritable(String what) {
        writer.checkOpen();
    }

    @Override
    GroupCommitter writer() {
        return writer;
    }

    /**
     * Listens for the outcomes that any process records on this ledger (its schema), as the engine
     * events of their attempts (without the item's key): {@code onEvent} is called on a listening
     * thread of its own, for outcomes committed while it listens (see {@link OutcomeAnnouncements}).
     * Close the returned handle to stop.
     */
    public AutoCloseable onOutcomes(java.util.function.Consumer<dev.bulwark.EngineEvent> onEvent) {
        return dev.bulwark.jdbc.postgres.OutcomeAnnouncements.listen(dataSource, schema(), onEvent);
    }

    /**
     * Listens for the pause, cancel and breaker-reset requests that other processes send to the
     * process running a job of this ledger in process ({@link #requestControl}); {@code handler}
     * is called on a listening thread of its own. Close the returned handle to stop.
     */
    public AutoCloseable onControlRequests(dev.bulwark.jdbc.postgres.ControlRequests.Handler handler) {
        return dev.bulwark.jdbc.postgres.ControlRequests.listen(dataSource, schema(), handler);
    }

    /**
     * Sends {@code request} for {@code jobId} to the process that runs it in process and listens
     * ({@link #onControlRequests}); nothing is kept: send again until the job shows the effect.
     */
    public void requestControl(java.util.UUID jobId, String request, String content) {
        String schema = schema();
        tx.write("send a " + request + " request", c -> {
            dev.bulwark.jdbc.postgres.ControlRequests.send(c, schema, jobId, request, content);
            return null;
        });
    }

    private String schema() {
        return tx.read("find the schema", c -> {
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT current_schema()")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    /** The shared, named breakers of this database, shared with every process that uses it. */
    @Override
    public dev.bulwark.breaker.BreakerStore breakers() {
        return breakers;
    }

    /** The data source the ledger works on (tests look at the database beside it). */
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public String toString() {
        return "PostgresLedger[" + where + "]";
    }
}
