package dev.bulwark.server;

import dev.bulwark.BulwarkClock;
import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Json;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.internal.Authenticator;
import dev.bulwark.server.internal.EventHub;
import dev.bulwark.server.internal.JobService;
import dev.bulwark.server.internal.Metrics;
import dev.bulwark.server.internal.ProblemErrorHandler;
import dev.bulwark.server.internal.Retention;
import dev.bulwark.server.internal.Routes;
import dev.bulwark.server.internal.ServerContext;
import dev.bulwark.server.internal.SharedWork;
import dev.bulwark.server.internal.Webhooks;
import dev.bulwark.server.internal.WorkerPool;
import dev.bulwark.server.internal.dashboard.DashboardRoutes;
import dev.bulwark.server.internal.dashboard.Sessions;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Service mode: the REST API under {@code /api/v1} and the worker pool that runs submitted jobs
 * on a ledger. Build one with {@link #builder()}, {@link #start()} it, and {@link #close()} it to
 * shut down gracefully (running attempts get the configured grace period, the rest is paused and
 * continues at the next start).
 *
 * <p>With {@link Builder#sharedLedger} on a shared PostgreSQL ledger, submitted jobs are handed to
 * the ledger's workers instead, and the server runs one worker of its own (see
 * {@code docs/service.md}, "Shared ledger").
 *
 * <p>The caller owns the ledger (and, for the embedded SQLite ledger, the home's lock): it must
 * outlive the server. Thread-safe.
 */
public final class BulwarkServer implements AutoCloseable {
    /** The default of {@link Builder#requestBodyTimeout}, in seconds. */
    public static final int DEFAULT_REQUEST_BODY_SECONDS = 10;
    static final Duration DEFAULT_REQUEST_BODY_TIMEOUT = Duration.ofSeconds(DEFAULT_REQUEST_BODY_SECONDS);
    private final ServerConfig config;
    private final Engine engine;
    private final WorkerPool pool;
    private final EventHub hub = new EventHub();
    private final Metrics metrics;
    private final JobService jobs;
    private final SharedWork shared;
    private final Authenticator authenticator;
    private final Sessions sessions;
    private final Retention retention;
    private final BulwarkClock clock;
    private ScheduledExecutorService retentionTimer;
    private final Webhooks webhooks;
    private final Path logDirectory;
    private final Javalin app;
    private volatile boolean stopping;
    private boolean closed;

    private BulwarkServer(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        Objects.requireNonNull(b.ledger, "ledger");
        this.logDirectory = b.logDirectory == null ? null : realDirectory(b.logDirectory);
        Map<String, Integer> limits = new HashMap<>();
        limits.put(TierConfig.ANONYMOUS, config.tier(TierConfig.ANONYMOUS).maxRunningJobs());
        for (TokenConfig t : config.tokens()) {
            limits.merge(t.tenant(), config.tier(t.tier()).maxRunningJobs(), Math::min);
        }
        // templates are checked before anything starts
        this.shared = b.workerOptions == null ? null : sharedWork(b, config, logDirectory);
        Engine.Builder eb = Engine.builder().ledger(b.ledger).clock(b.clock).listener(hub).logDirectory(logDirectory);
        if (b.worker != null) {
            eb.worker(b.worker);
        }
        // the pool and the metrics need each other: the engine reports to the metrics, the metrics read the pool
        MetricsHolder holder = new MetricsHolder();
        this.engine = eb.listener(holder).build();
        this.pool = new WorkerPool(engine, b.clock, config.workers(), config.ageing(), limits);
        this.jobs = new JobService(engine, pool, config, shared);
        this.metrics = new Metrics(pool, () -> jobs.openBreakers(null), new dev.bulwark.metrics.SharedBreakerMetrics(b.ledger.breakers(), b.clock));
        holder.metrics = metrics;
        this.authenticator = new Authenticator(config);
        this.sessions = new Sessions(b.clock);
        this.clock = b.clock;
        this.webhooks = config.webhooks() == null ? null : new Webhooks(engine, config.webhooks(), b.clock);
        this.retention = new Retention(config.retention(), b.ledger, jobs,
                id -> pool.isWaiting(id) || pool.isRunning(id) || engine.activeJobs().contains(id), logDirectory);
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.useVirtualThreads = true;
            c.http.maxRequestSize = config.maxRequestBytes();
            // uploads: parts beyond 64 KiB go to temporary files; each tier's own limits are checked by the route
            c.jetty.multipartConfig.maxInMemoryFileSize(64, io.javalin.config.SizeUnit.KB);
            c.jetty.multipartConfig.maxFileSize(config.maxUploadBytes(), io.javalin.config.SizeUnit.BYTES);
            c.jetty.multipartConfig.maxTotalRequestSize(config.maxUploadRequestBytes(), io.javalin.config.SizeUnit.BYTES);
            c.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            c.router.ignoreTrailingSlashes = true;
            c.requestLogger.http(dev.bulwark.server.internal.AccessLog::log);
            // breaker scopes such as hosts/beta are one path segment, percent-encoded: hosts%2Fbeta
            c.jetty.modifyHttpConfiguration(h -> {
                h.setUriCompliance(org.eclipse.jetty.http.UriCompliance.DEFAULT
                        .with("bulwark", org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
                h.setIdleTimeout(b.requestBodyTimeout.toMillis()); // a body that stops arriving: 408 (Routes)
            });
            c.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
            c.jetty.modifyServletContextHandler(h -> h.setErrorHandler(new ProblemErrorHandler()));
        });
        new Routes(new Context()).register(app);
        new DashboardRoutes(authenticator, sessions, config.tokens().isEmpty(), shared != null).register(app);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Queues the jobs that should go on (after a restart or a crash), then starts listening. */
    public BulwarkServer start() {
        if (webhooks != null) { // before the jobs go on: each job that ends from now on is seen once
            webhooks.start(hub);
        }
        jobs.recover();
        if (shared != null) {
            shared.start(hub::onEvent);
        }
        app.start(config.bind(), config.port());
        if (config.retention().deletesAnything()) {
            long every = config.retention().every().toMillis();
            retentionTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bulwark-retention");
                t.setDaemon(true);
                return t;
            });
            retentionTimer.scheduleWithFixedDelay(this::retentionQuietly, 0, every, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Deletes the finished jobs that {@code server.retention} no longer keeps, as the server does on
     * its schedule; returns their ids. Jobs that run or wait to run again are never deleted.
     */
    public List<UUID> applyRetention() {
        return retention.apply(clock.now());
    }

    private void retentionQuietly() {
        try {
            applyRetention();
        } catch (RuntimeException e) { // the ledger may be unreachable for a while: the next round tries again
            org.slf4j.LoggerFactory.getLogger(BulwarkServer.class).warn("retention failed; next try in {}", config.retention().every(), e);
        }
    }

    /** The port the server listens on (useful with port 0). */
    public int port() {
        return app.port();
    }

    /**
     * Graceful shutdown: stops listening, lets running attempts finish within the configured grace
     * period, pauses the rest, and stops the engine. Does not close the ledger. Idempotent.
     */
    @Override
    public synchronized void close() {
        shutdown(config.shutdownGrace());
    }

    /** {@link #close()} with another grace period. */
    public synchronized void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        if (retentionTimer != null) {
            retentionTimer.shutdownNow();
        }
        app.stop();
        pool.shutdown(grace);
        if (webhooks != null) { // after the pool: jobs that end within the grace period still get their callback queued
            webhooks.stop(hub);
        }
        if (shared != null) {
            shared.stop(grace);
        }
        engine.close();
    }

    /** The configuration the server runs with. */
    public ServerConfig config() {
        return config;
    }

    /**
     * Cancels a job as an operator of this machine would (whatever its tenant), as
     * {@code POST /jobs/{id}/cancel} does: running attempts stop, the rest is skipped.
     *
     * @throws dev.bulwark.BulwarkException when the job is not the service's or cannot be cancelled
     */
    public Job cancel(UUID jobId) {
        return operator(() -> jobs.cancel(jobs.operatorFor(jobId), jobId.toString()));
    }

    /** Pauses a queued or running job as an operator of this machine would, as {@code POST /jobs/{id}/pause} does. */
    public Job pause(UUID jobId) {
        return operator(() -> jobs.pause(jobs.operatorFor(jobId), jobId.toString()));
    }

    /**
     * Closes the breaker of {@code scope} in a job by hand, as an operator of this machine would
     * ({@code bulwark breaker reset}); false when it was not open.
     */
    public boolean resetBreaker(UUID jobId, String scope) {
        return engine.resetBreaker(jobId, scope);
    }

    private static Job operator(java.util.function.Supplier<Job> action) {
        try {
            return action.get();
        } catch (dev.bulwark.server.internal.Problem e) {
            throw new dev.bulwark.BulwarkException(e.getMessage(), e);
        }
    }

    /** Whether a shutdown has begun: no job and no attempt starts any more. */
    public boolean draining() {
        return pool.draining();
    }

    /** What the routes see of the server. */
    private final class Context implements ServerContext {
        @Override
        public ServerConfig config() {
            return config;
        }

        @Override
        public Engine engine() {
            return engine;
        }

        @Override
        public JobService jobs() {
            return jobs;
        }

        @Override
        public WorkerPool pool() {
            return pool;
        }

        @Override
        public EventHub hub() {
            return hub;
        }

        @Override
        public Metrics metrics() {
            return metrics;
        }

        @Override
        public Authenticator authenticator() {
            return authenticator;
        }

        @Override
        public Webhooks webhooks() {
            return webhooks;
        }

        @Override
        public Sessions sessions() {
            return sessions;
        }

        @Override
        public Path logDirectory() {
            return logDirectory;
        }

        @Override
        public boolean stopping() {
            return stopping;
        }
    }

    /** The work queue and worker of a shared ledger. */
    private static SharedWork sharedWork(Builder b, ServerConfig config, Path logDirectory) {
        if (!(b.ledger instanceof PostgresLedger postgres)) {
            throw new ValidationException("a shared ledger for workers must be PostgreSQL, but the ledger is "
                    + b.ledger.getClass().getSimpleName());
        }
        return new SharedWork(postgres, b.workerOptions, logDirectory, b.clock);
    }

    private static Path realDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            return dir.toRealPath();
        } catch (IOException e) {
            throw new dev.bulwark.BulwarkException("cannot create the log folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Forwards engine events to the metrics once they exist. */
    private static final class MetricsHolder implements dev.bulwark.JobListener {
        private volatile Metrics metrics;

        @Override
        public void onEvent(dev.bulwark.EngineEvent event) {
            Metrics m = metrics;
            if (m != null) {
                m.onEvent(event);
            }
        }
    }

    /** Builds a {@link BulwarkServer}; not thread-safe. */
    public static final class Builder {
        private ServerConfig config;
        private Ledger ledger;
        private Path logDirectory;
        private BulwarkClock clock = BulwarkClock.system();
        private String worker;
        private WorkerOptions workerOptions;
        private Duration requestBodyTimeout = DEFAULT_REQUEST_BODY_TIMEOUT;

        public Builder config(ServerConfig value) {
            this.config = value;
            return this;
        }

        /** The ledger jobs are stored in; the caller opens and closes it. */
        public Builder ledger(Ledger value) {
            this.ledger = value;
            return this;
        }

        /** Where per-item logs go ({@code DIR/JOB/SEQ.log}); served by {@code GET .../items/{seq}/log}. */
        public Builder logDirectory(Path value) {
            this.logDirectory = value;
            return this;
        }

        /** The clock for scheduling (priority ageing) and the engine. */
        public Builder clock(BulwarkClock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** The worker name recorded on attempts (default {@code host:pid}). */
        public Builder worker(String value) {
            this.worker = value;
            return this;
        }

        /**
         * Runs jobs on the workers of the shared PostgreSQL ledger given to {@link #ledger}, with
         * an in-process worker of these options. Workers honour every policy a template may set.
         */
        public Builder sharedLedger(WorkerOptions options) {
            this.workerOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * How long a request may pause while sending its body (or while reading an answer) before
         * it is answered {@code 408 Request Timeout} and its connection closed; default
         * {@value #DEFAULT_REQUEST_BODY_SECONDS} s.
         */
        public Builder requestBodyTimeout(Duration value) {
            ValidationException.require(value != null && !value.isNegative() && !value.isZero(),
                    "the request body timeout must be positive, but was " + value);
            this.requestBodyTimeout = value;
            return this;
        }

        public BulwarkServer build() {
            return new BulwarkServer(this);
        }
    }
}
