package dev.bulwark.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.bulwark.Attempt;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.internal.Json;
import dev.bulwark.jdbc.internal.JobStore;
import dev.bulwark.jdbc.internal.PgErrors;
import dev.bulwark.jdbc.internal.PgItems;
import dev.bulwark.jdbc.internal.PgJobs;
import dev.bulwark.jdbc.internal.PgMigrator;
import dev.bulwark.jdbc.internal.PgRows;
import dev.bulwark.jdbc.internal.PgTx;
import dev.bulwark.jdbc.internal.PgWriter;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.FinishedInterval;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.NewItem;
import dev.bulwark.ledger.Rejection;
import dev.bulwark.ledger.ScopeFilter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
public final class PostgresLedger implements Ledger {
    private static final Pattern PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");

    private final String where;
    private final DataSource dataSource;
    private final HikariDataSource ownPool;
    private final PgTx tx;
    private final PgWriter writer;

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
        this.writer = new PgWriter(dataSource, where, evictIdle);
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
            new PgMigrator().migrate(connection, where);
        } catch (SQLException e) {
            throw PgErrors.translate(where, "prepare the tables", e);
        }
        return new PostgresLedger(where, dataSource, ownPool);
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
        return read("read the database clock", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT now()")) {
                rs.next();
                return PgRows.instant(rs, 1);
            }
        });
    }

    @Override
    public void createJob(Job job) {
        Objects.requireNonNull(job, "job");
        write("create a job", c -> {
            PgJobs.create(c, job);
            return null;
        });
    }

    @Override
    public void addItems(UUID jobId, List<NewItem> items) {
        write("add items", c -> {
            PgItems.add(c, jobId, items);
            return null;
        });
    }

    @Override
    public Optional<Job> findJob(UUID jobId) {
        return read("find a job", c -> PgJobs.find(c, jobId));
    }

    @Override
    public List<Job> listJobs(JobQuery query) {
        return read("list jobs", c -> PgJobs.list(c, query));
    }

    @Override
    public Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        return write("change a job's status", c -> PgJobs.transition(c, jobId, next, reason, at));
    }

    @Override
    public List<Item> claim(UUID jobId, Instant now, int limit, boolean ordered, ScopeFilter scopes) {
        return write("claim items", c -> PgItems.claim(c, jobId, now, limit, ordered, scopes));
    }

    @Override
    public void recordCompensation(Attempt attempt) {
        write("record a compensation", c -> {
            PgItems.recordCompensation(c, attempt);
            return null;
        });
    }

    @Override
    public void reject(Rejection rejection) {
        write("give back a rejected item", c -> {
            PgItems.reject(c, rejection);
            return null;
        });
    }

    @Override
    public Optional<Instant> nextDueAt(UUID jobId) {
        return read("find the next due retry", c -> PgItems.nextDueAt(c, jobId));
    }

    @Override
    public CompletableFuture<Void> complete(Completion completion) {
        Objects.requireNonNull(completion, "completion");
        return writer.complete(completion);
    }

    @Override
    public CompletableFuture<Void> appendEvent(EngineEvent event) {
        writer.checkOpen();
        if (!event.kept()) {
            return CompletableFuture.completedFuture(null);
        }
        String data;
        try {
            // On the caller's thread, so an event that cannot be stored fails alone and early.
            if (event.type() == null || event.jobId() == null || event.at() == null) {
                throw new BulwarkException("an event needs a type, a job and a time: " + event);
            }
            data = PgRows.text(Json.write(event.data()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.appendEvent(new JobStore.NewEvent(event, data));
    }

    @Override
    public void flush() {
        writer.flush();
    }

    /**
     * Crash recovery of one process: every RUNNING item of the job, whoever claimed it, gets an
     * INTERRUPTED attempt and becomes PENDING. With several workers on one job this would also
     * interrupt the items of live workers: there, expired leases are to be reclaimed instead.
     */
    @Override
    public int recoverInterrupted(UUID jobId, Instant now, String worker) {
        return write("recover interrupted items", c -> PgItems.recoverInterrupted(c, jobId, now, worker));
    }

    @Override
    public long skipRemaining(UUID jobId, Instant now) {
        return write("skip items", c -> PgItems.skipRemaining(c, jobId));
    }

    @Override
    public long reopen(UUID jobId, ItemStatus from) {
        return write("re-open items", c -> PgItems.reopen(c, jobId, from));
    }

    @Override
    public List<FinishedInterval> finishedOverTime(UUID jobId, Instant from, java.time.Duration width) {
        return read("count finished items", c -> PgItems.finishedOverTime(c, jobId, from, width));
    }

    @Override
    public boolean reopenItem(UUID jobId, long seq) {
        return write("re-open an item", c -> PgItems.reopenItem(c, jobId, seq));
    }

    @Override
    public JobCounts counts(UUID jobId) {
        return read("count items", c -> PgItems.counts(c, jobId));
    }

    @Override
    public Optional<Item> findItem(UUID jobId, long seq) {
        return read("find an item", c -> PgItems.find(c, jobId, seq));
    }

    @Override
    public List<Item> items(UUID jobId, ItemQuery query) {
        return read("list items", c -> PgItems.page(c, jobId, query));
    }

    @Override
    public List<Attempt> attempts(UUID jobId, long seq) {
        return read("list attempts", c -> PgItems.attempts(c, jobId, seq));
    }

    @Override
    public List<EngineEvent> events(UUID jobId, int limit) {
        return read("list events", c -> PgJobs.events(c, jobId, limit));
    }

    @Override
    public List<UUID> prune(Instant finishedBefore, boolean keepFailed) {
        return write("prune jobs", c -> PgJobs.prune(c, finishedBefore, keepFailed));
    }

    @Override
    public boolean delete(UUID jobId) {
        return write("delete a job", c -> PgJobs.delete(c, jobId));
    }

    /** Records what is queued, stops the writer thread and closes the pool (if the ledger made it). Idempotent. */
    @Override
    public void close() {
        writer.close();
        if (ownPool != null) {
            ownPool.close();
        }
    }

    private <T> T write(String what, PgTx.Work<T> work) {
        writer.checkOpen();
        writer.awaitQueued();
        return tx.write(what, work);
    }

    private <T> T read(String what, PgTx.Work<T> work) {
        writer.checkOpen();
        writer.awaitQueued();
        return tx.read(what, work);
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
