package dev.bulwark;

import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.BreakerStore;
import dev.bulwark.breaker.NamedBreaker;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.internal.JobRunner;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.NewItem;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Runs jobs against a ledger: submit a job with its items, then run, resume, retry-failed,
 * pause or cancel it. Thread-safe; one engine may run several jobs at once, each on its own
 * dispatcher (the caller's thread).
 *
 * <pre>{@code
 * Engine engine = Engine.builder().ledger(new MemoryLedger()).build();
 * Job job = engine.submit("resize", JobConfig.builder().concurrency(4).build(), items);
 * JobResult result = engine.run(job.id(), ctx -> { resize(ctx.key()); return AttemptResult.success(); });
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    /** Items written to the ledger per transaction while a job is submitted. */
    public static final int SUBMIT_BATCH = 2_000;

    private final Ledger ledger;
    private final BulwarkClock clock;
    private final RandomGenerator random;
    private final String worker;
    private final List<JobListener> listeners;
    private final Function<Item, Path> logFiles;
    private final ScheduledExecutorService timers;
    private final Map<UUID, JobRunner> active = new ConcurrentHashMap<>();

    private Engine(Builder b) {
        this.ledger = Objects.requireNonNull(b.ledger, "a ledger is required");
        this.clock = b.clock;
        this.random = b.random;
        this.worker = b.worker;
        // Events also go to SLF4J (dev.bulwark.events), where the logging configuration decides.
        List<JobListener> all = new ArrayList<>(b.listeners);
        all.add(EventLogger.INSTANCE);
        this.listeners = List.copyOf(all);
        this.logFiles = b.logDirectory == null ? null
                : item -> b.logDirectory.resolve(item.jobId().toString()).resolve(item.seq() + ".log");
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bulwark-timeouts");
            t.setDaemon(true);
            return t;
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    public Ledger ledger() {
        return ledger;
    }

    /**
     * Accepts a job: stores it QUEUED with its configuration snapshot and streams its items into
     * the ledger in batches (never holding them all in memory). Item sequence numbers are
     * assigned 1, 2, 3… in iteration order.
     */
    public Job submit(String name, JobConfig config, Iterator<ItemSpec> items) {
        return submit(name, Job.LOCAL_TENANT, 0, config, items);
    }

    /**
     * Like {@link #submit(String, JobConfig, Iterator)}, for an owner and a priority (service mode:
     * the tenant that submitted the job, and its tier's priority, lower first).
     */
    public Job submit(String name, String tenant, int priority, JobConfig config, Iterator<ItemSpec> items) {
        Job job = Job.newJob(UUID.randomUUID(), name, tenant, priority, config, clock.now());
        ledger.createJob(job);
        List<NewItem> batch = new ArrayList<>(SUBMIT_BATCH);
        ScopeTemplate order = config.orderTemplate();
        long seq = 0;
        while (items.hasNext()) {
            ItemSpec spec = items.next();
            ++seq;
            String orderKey = spec.orderKey() != null || order == null ? spec.orderKey() : order.scopeOf(spec);
            // The messages are built only when they are thrown: this loop runs once per item.
            if (orderKey != null && config.orderedBy() == null) {
                throw new ValidationException("item " + seq + " (" + spec.key()
                        + ") has an order scope, but the job is not ordered by scope (JobConfig.orderedBy)");
            }
            if (orderKey == null && config.orderedBy() != null) {
                throw new ValidationException("item " + seq + " (" + spec.key()
                        + ") has no order scope, but the job is ordered by " + config.orderedBy());
            }
            batch.add(new NewItem(seq, spec.key(), spec.payload(), spec.scope(), orderKey));
            if (batch.size() == SUBMIT_BATCH) {
                ledger.addItems(job.id(), batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            ledger.addItems(job.id(), batch);
        }
        ledger.appendEvent(new EngineEvent.ItemsFound(job.id(), clock.now(), seq));
        ledger.flush();
        return ledger.findJob(job.id()).orElseThrow();
    }

    /**
     * Runs a QUEUED, PAUSED, or crashed RUNNING job until every item has a final outcome or the
     * job is paused, cancelled or halted. Attempts interrupted by a crash are recorded as such
     * first. Blocks the calling thread.
     *
     * @throws IoFaultException when a file of Bulwark's own (the ledger, an item log, see
     *                          {@link #ioFault}) could not be written: the job was paused first
     */
    public JobResult run(UUID jobId, ItemHandler handler) {
        return run(jobId, handler, null);
    }

    /**
     * Like {@link #run(UUID, ItemHandler)}, with a compensator that undoes a succeeded item when a
     * job with {@link JobConfig#rollback()} stops on a critical error (instead of the job's
     * compensation command). A compensation succeeds or fails like an attempt; it is recorded as an
     * attempt of its own.
     */
    public JobResult run(UUID jobId, ItemHandler handler, ItemHandler compensator) {
        if (!dev.bulwark.internal.LedgerRuns.begin(ledger, jobId)) {
            throw new ValidationException("job " + jobId + " is already running in this process on the same ledger; "
                    + "pause or await the run that has it (its RunningBatch) before resuming it");
        }
        try {
            return runOwned(jobId, handler, compensator);
        } finally {
            dev.bulwark.internal.LedgerRuns.end(ledger, jobId);
        }
    }

    private JobResult runOwned(UUID jobId, ItemHandler handler, ItemHandler compensator) {
        Job job = find(jobId);
        if (job.config().rollback() && job.config().compensate() == null && compensator == null) {
            throw new ValidationException("job " + jobId + " rolls back after a critical error, but has no compensation "
                    + "command and no compensator was given");
        }
        switch (job.status()) {
            case QUEUED, PAUSED -> {
                if (job.status() == JobStatus.QUEUED && !completelySubmitted(jobId)) {
                    throw new ValidationException("job " + jobId + " was not completely submitted: the process stopped "
                            + "while storing its items (" + ledger.counts(jobId).total() + " stored); cancel it and "
                            + "submit the batch again");
                }
                job = ledger.transition(jobId, JobStatus.RUNNING, null, clock.now());
            }
            case RUNNING -> { /* left RUNNING by a crash: recovered by the runner */ }
            case FAILED, PARTIAL -> {
                refuseRolledBack(jobId, "resume");
                if (ledger.counts(jobId).skipped() == 0) {
                    if (job.status() == JobStatus.PARTIAL) {
                        throw new ValidationException("job " + jobId + " is PARTIAL: nothing to resume; "
                                + "retry its failed items instead (bulwark retry-failed, or retryFailed in Java)");
                    }
                    throw new ValidationException("job " + jobId + " is FAILED with no skipped items; "
                            + "retry its failed items instead (bulwark retry-failed, or retryFailed in Java)");
                }
                ledger.reopen(jobId, ItemStatus.SKIPPED);
                ledger.transition(jobId, JobStatus.QUEUED, null, clock.now());
                job = ledger.transition(jobId, JobStatus.RUNNING, null, clock.now());
            }
            default -> throw new ValidationException("job " + jobId + " is " + job.status()
                    + ": nothing to resume" + (job.status() == JobStatus.PARTIAL
                    ? "; retry its failed items instead (bulwark retry-failed, or retryFailed in Java)" : ""));
        }
        JobRunner runner = new JobRunner(ledger, clock, random, worker, listeners, handler, compensator, logFiles, timers, job);
        if (active.putIfAbsent(jobId, runner) != null) {
            throw new ValidationException("job " + jobId + " is already running in this process");
        }
        try {
            return runner.run();
        } finally {
            active.remove(jobId);
        }
    }

    /** A job rolled back after a critical error is over: running part of it again would undo the rollback's point. */
    private void refuseRolledBack(UUID jobId, String what) {
        long compensated = ledger.counts(jobId).compensated();
        if (compensated > 0) {
            throw new ValidationException("job " + jobId + " was rolled back after a critical error (" + compensated
                    + " item(s) compensated): " + what + " would run only part of it; fix the cause and submit the batch again");
        }
    }

    /** True when {@link #submit} stored every item of the job (it records ITEMS_FOUND last). */
    private boolean completelySubmitted(UUID jobId) {
        return ledger.events(jobId, 1).stream().anyMatch(e -> e instanceof EngineEvent.ItemsFound);
    }

    /**
     * Re-opens the FAILED items of a PARTIAL or FAILED job with a fresh retry budget and runs them;
     * for a FAILED (halted) job also the items it skipped.
     */
    public JobResult retryFailed(UUID jobId, ItemHandler handler) {
        return retryFailed(jobId, handler, null);
    }

    /** Like {@link #retryFailed(UUID, ItemHandler)}, with a compensator for a rollback (see {@link #run(UUID, ItemHandler, ItemHandler)}). */
    public JobResult retryFailed(UUID jobId, ItemHandler handler, ItemHandler compensator) {
        Job job = find(jobId);
        if (job.status() != JobStatus.PARTIAL && job.status() != JobStatus.FAILED) {
            throw new ValidationException("job " + jobId + " is " + job.status()
                    + "; retrying failed items works on PARTIAL or FAILED jobs");
        }
        refuseRolledBack(jobId, "retry-failed");
        long reopened = ledger.reopen(jobId, ItemStatus.FAILED);
        if (job.status() == JobStatus.FAILED) {
            // a halted job: the items it skipped never had their turn
            reopened += ledger.reopen(jobId, ItemStatus.SKIPPED);
        }
        if (reopened == 0) {
            throw new ValidationException("job " + jobId + " has no FAILED items to retry");
        }
        ledger.transition(jobId, JobStatus.QUEUED, null, clock.now());
        return run(jobId, handler, compensator);
    }

    /**
     * Tells the engine that a file of Bulwark's own for a job running here (its event log, a spool)
     * could not be written: the job pauses as when its ledger cannot be written, and its run ends
     * with an {@link IoFaultException} carrying {@code why} (name the path and the reason). False
     * when the job does not run here.
     */
    public boolean ioFault(UUID jobId, String why) {
        JobRunner runner = active.get(jobId);
        if (runner == null) {
            return false;
        }
        runner.ioFault(why);
        return true;
    }

    /**
     * Re-opens some items of a finished job, each with a fresh retry budget ({@code retry JOB SEQ…},
     * the dashboard's "retry" button): every named item must be FAILED, or SKIPPED in a FAILED or
     * PARTIAL job. The job becomes QUEUED; run it with {@link #run}. Nothing is changed when one
     * of the items cannot be retried. Returns the job as stored.
     *
     * @throws ValidationException naming the job's state or the first item that cannot be retried
     */
    public Job reopenItems(UUID jobId, Collection<Long> seqs) {
        Job job = find(jobId);
        if (job.status() != JobStatus.PARTIAL && job.status() != JobStatus.FAILED) {
            throw new ValidationException("job " + jobId + " is " + job.status() + ": single items can be retried once the "
                    + "job has ended PARTIAL or FAILED" + (job.status().isFinal() ? "" : "; wait for it to end, or cancel it"));
        }
        if (seqs.isEmpty()) {
            throw new ValidationException("name at least one item to retry (its sequence number)");
        }
        refuseRolledBack(jobId, "retry");
        for (long seq : seqs) {
            Item item = ledger.findItem(jobId, seq).orElseThrow(() -> new NotFoundException("job " + jobId + " has no item " + seq
                    + " (its items are 1 to " + ledger.counts(jobId).total() + ")"));
            if (item.status() != ItemStatus.FAILED && item.status() != ItemStatus.SKIPPED) {
                throw new ValidationException("item " + seq + " of job " + jobId + " is " + item.status()
                        + ": only a FAILED or SKIPPED item can be retried");
            }
        }
        for (long seq : seqs) {
            ledger.reopenItem(jobId, seq);
        }
        return ledger.transition(jobId, JobStatus.QUEUED, null, clock.now());
    }

    /** {@link #reopenItems} then {@link #run}: runs the named items of a finished job again. Blocks the calling thread. */
    public JobResult retryItems(UUID jobId, Collection<Long> seqs, ItemHandler handler) {
        reopenItems(jobId, seqs);
        return run(jobId, handler);
    }

    /** Pauses a job running in this engine: running attempts stop and are recorded as interrupted. */
    public boolean pause(UUID jobId, String reason) {
        return stop(jobId, StopReason.PAUSE, reason);
    }

    /**
     * Cancels a job: if it runs in this engine, running attempts stop; remaining items are
     * SKIPPED and the job is CANCELLED. A job that does not run here is cancelled in the ledger.
     */
    public Job cancel(UUID jobId, String reason) {
        if (stop(jobId, StopReason.CANCEL, reason)) {
            return find(jobId);
        }
        Job job = find(jobId);
        if (job.status().isFinal()) {
            throw new ValidationException("job " + jobId + " is already " + job.status());
        }
        ledger.recoverInterrupted(jobId, clock.now(), worker);
        ledger.skipRemaining(jobId, clock.now());
        return ledger.transition(jobId, JobStatus.CANCELLED, reason, clock.now());
    }

    /** Halts a job running in this engine: like cancel, but the job ends FAILED with {@code reason}. */
    public boolean halt(UUID jobId, String reason) {
        return stop(jobId, StopReason.HALT, reason);
    }

    private boolean stop(UUID jobId, StopReason why, String reason) {
        JobRunner runner = active.get(jobId);
        if (runner == null) {
            return false;
        }
        runner.requestStop(why, reason);
        return true;
    }

    /**
     * Closes a scope's circuit breaker by hand ({@code bulwark breaker reset}). For a job running in
     * this engine the live breaker closes; otherwise a {@code breaker_closed} event is recorded, so
     * the next run (resume) starts with it closed. Returns false when it was not open.
     */
    public boolean resetBreaker(UUID jobId, String scope) {
        Objects.requireNonNull(scope, "scope");
        JobRunner runner = active.get(jobId);
        if (runner != null) {
            return runner.resetBreaker(scope);
        }
        Job job = find(jobId);
        if (job.config().breaker() == null) {
            throw new ValidationException("job " + jobId + " has no circuit breaker (it was started without a circuit breaker)");
        }
        if (job.config().breaker().shared()) {
            return resetSharedBreaker(scope);
        }
        Optional<BreakerStatus> current = breakers(jobId).stream().filter(b -> b.scope().equals(scope)).findFirst();
        if (current.isEmpty()) {
            return false;
        }
        Instant now = clock.now();
        ledger.appendEvent(new EngineEvent.BreakerClosed(jobId, now, scope, current.get().state(), 0, "reset by hand")).join();
        ledger.flush();
        return true;
    }

    /**
     * The job's circuit breakers that are not closed: live for a job running in this engine,
     * otherwise as the ledger's breaker events left them.
     */
    public List<BreakerStatus> breakers(UUID jobId) {
        JobRunner runner = active.get(jobId);
        if (runner != null) {
            return runner.openBreakers();
        }
        find(jobId);
        return dev.bulwark.JobBreakers.open(ledger, jobId);
    }

    /**
     * The ledger's named breaker {@code name} around any call ({@link NamedBreaker#call},
     * {@link NamedBreaker#callAsync}), on this engine's clock: the same breaker as the scope
     * {@code name} of every job run with {@code --breaker-shared} on this ledger. {@code policy}
     * applies when the ledger does not have the breaker yet; otherwise the kept one does.
     */
    public NamedBreaker breaker(String name, BreakerPolicy policy) {
        return breaker(name, policy, b -> {
        });
    }

    /** As {@link #breaker(String, BreakerPolicy)}, with {@code customize} adding classification rules to the builder. */
    public NamedBreaker breaker(String name, BreakerPolicy policy, java.util.function.Consumer<NamedBreaker.Builder> customize) {
        NamedBreaker.Builder b = NamedBreaker.builder(name, policy).store(ledger.breakers()).clock(clock);
        customize.accept(b);
        return b.build();
    }

    /** The ledger's shared breakers as of now, by name. */
    public List<BreakerStore.SharedBreaker> sharedBreakers() {
        return ledger.breakers().list();
    }

    /**
     * Closes the ledger's shared breaker {@code name} by hand; false when it was closed. Jobs
     * waiting on it (in this process or another) send its items again at their next look.
     *
     * @throws NotFoundException when the ledger has no breaker of that name
     */
    public boolean resetSharedBreaker(String name) {
        return ledger.breakers().reset(name, clock.now());
    }

    /**
     * Opens the ledger's shared breaker {@code name} by hand (maintenance) for {@code duration}
     * (null: until reset), creating it with {@code policy} if the ledger does not have it (null: it must).
     */
    public void openSharedBreaker(String name, BreakerPolicy policy, Duration duration, String reason) {
        Instant now = clock.now();
        ledger.breakers().forceOpen(name, policy, now, duration == null ? BreakerState.UNTIL_RESET : now.plus(duration), reason);
    }

    /** Jobs running in this engine right now. */
    public List<UUID> activeJobs() {
        return List.copyOf(active.keySet());
    }

    /** Live progress of a job running in this engine. */
    public Optional<Progress> progress(UUID jobId) {
        return Optional.ofNullable(active.get(jobId)).map(JobRunner::progress);
    }

    private Job find(UUID jobId) {
        return ledger.findJob(jobId).orElseThrow(() -> new NotFoundException("job " + jobId + " not found"));
    }

    /** Stops the timer thread. Does not close the ledger, which the caller owns. */
    @Override
    public void close() {
        timers.shutdownNow();
    }

    /**
     * An item to submit.
     *
     * @param key     what the handler works on
     * @param payload optional JSON object, or null
     * @param scope   breaker scope, or null
     * @param orderKey order scope ({@link JobConfig#orderedBy()}), or null: then the job's {@code orderedBy}
     *                template, if any, gives it at submission
     */
    public record ItemSpec(String key, String payload, String scope, String orderKey) {
        public ItemSpec {
            Objects.requireNonNull(key, "key");
        }

        /** An item whose order scope, if any, comes from the job's {@code orderedBy} template. */
        public ItemSpec(String key, String payload, String scope) {
            this(key, payload, scope, null);
        }

        /** This item with {@code value} as its order scope. */
        public ItemSpec withOrderKey(String value) {
            return new ItemSpec(key, payload, scope, value);
        }

        public static ItemSpec of(String key) {
            return new ItemSpec(key, null, null);
        }
    }

    /** Builds an {@link Engine}; not thread-safe. */
    public static final class Builder {
        private Ledger ledger;
        private BulwarkClock clock = BulwarkClock.system();
        private RandomGenerator random = RandomGenerator.getDefault();
        private String worker = defaultWorker();
        private final List<JobListener> listeners = new ArrayList<>();
        private Path logDirectory;

        public Builder ledger(Ledger value) {
            this.ledger = value;
            return this;
        }

        public Builder clock(BulwarkClock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Source of backoff jitter; inject a seeded one for repeatable tests. */
        public Builder random(RandomGenerator value) {
            this.random = Objects.requireNonNull(value, "random");
            return this;
        }

        /** Name recorded on every attempt; defaults to {@code host:pid}. */
        public Builder worker(String value) {
            this.worker = Objects.requireNonNull(value, "worker");
            return this;
        }

        public Builder listener(JobListener value) {
            this.listeners.add(Objects.requireNonNull(value, "listener"));
            return this;
        }

        /** Where per-item log files go ({@code DIR/JOB_ID/SEQ.log}); none when unset. */
        public Builder logDirectory(Path value) {
            this.logDirectory = value;
            return this;
        }

        public Engine build() {
            return new Engine(this);
        }

        private static String defaultWorker() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
            return host + ":" + ProcessHandle.current().pid();
        }
    }

    /** Wall time now, by the engine's clock. */
    public Instant now() {
        return clock.now();
    }
}
