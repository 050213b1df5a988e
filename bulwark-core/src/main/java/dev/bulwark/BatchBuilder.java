package dev.bulwark;

import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.http.HttpHandler;
import dev.bulwark.internal.BatchItemHandler;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * Configures and runs one batch: items and how they map to ledger items, the handler, and the
 * policies. Made by {@link Bulwark#batch}. Every setter validates its value and names it when it
 * is bad; the run itself checks every item before it stores any.
 *
 * <h2>Items</h2>
 * Each item becomes a ledger item with a {@linkplain #key key} (what reports and logs show:
 * a path, a token, an id), an optional {@linkplain #scope scope} (what a circuit breaker is keyed
 * on) and an optional {@linkplain #payload payload} (any object, stored as JSON). While the batch
 * runs, the handler gets the very objects given; a run that resumes a batch from the ledger
 * rebuilds them with the {@linkplain #restore restore function} from the stored key and payload.
 *
 * <h2>Handlers</h2>
 * Exactly one of {@link #handler(BatchHandler)}, {@link #handlerWithContext(ContextualHandler)},
 * {@link #chunks(int, ChunkHandler)} or {@link #itemHandler(ItemHandler)} (a built-in handler
 * such as {@code HttpHandler} or {@code ExecHandler}, working on each item's key). A handler reports failure by throwing:
 * {@link TransientException} (retried), {@link PermanentException} (to the review queue),
 * {@link CriticalException} (stops the job); other exceptions are classified by
 * {@link #classify} rules, and by default are transient with category {@code exception}.
 * {@link #handler(Class, ResultHandler)} and {@link #handlerWithContext(Class, ContextualResultHandler)}
 * also store what the handler returns with each succeeded item (JSON, at most 8 KiB), read back
 * typed by {@link BatchResult#results(Class)}.
 *
 * <h2>Ledger</h2>
 * By default each run gets its own in-memory ledger. Give a durable one (a {@code SqliteLedger})
 * with {@link #ledger(Ledger)} to keep the audit trail and {@link #resume(UUID)} after a crash;
 * the caller owns and closes it.
 *
 * <h2>Stopping early and undoing</h2>
 * {@link #breaker(BreakerPolicy)} gives every {@linkplain #scope scope} its own circuit breaker:
 * while a host or node keeps failing, its items wait ({@link #onOpen} {@code PAUSE}), the batch
 * halts ({@code HALT}) or its items fail at once ({@code FAIL}). The batch can also halt on a
 * time budget ({@link #jobTimeout}), on its first failure ({@link #stopOnFirstFailure()}) or after
 * too many ({@link #maxFailures}); {@link #halt(HaltMode)} says whether running attempts are
 * stopped or finish. After a critical error, {@link #rollback(Compensator)} undoes every item that
 * had succeeded, newest first.
 *
 * <p>Not thread-safe: configure on one thread, then run. One builder may run several times.
 *
 * @param <T> the item type
 */
public final class BatchBuilder<T> {
    /** How long a part-filled chunk waits for more items before it runs anyway. */
    public static final Duration DEFAULT_CHUNK_LINGER = Duration.ofMillis(20);
    public static final String DEFAULT_NAME = "batch";

    /** What this builder was told; it assembles and runs the batch ({@link BatchLaunch}). */
    private final BatchSettings<T> settings;


    BatchBuilder(Iterable<T> items) {
        this.settings = new BatchSettings<>(items);
    }

    // ------------------------------------------------------------------ items

    /** The key of each item (default {@code String.valueOf}); must be non-null and not empty. */
    public BatchBuilder<T> key(Function<? super T, String> value) {
        settings.key = Objects.requireNonNull(value, "key");
        return this;
    }

    /**
     * The breaker scope of each item (a host, a node, a machine), or null for items without one:
     * each scope gets its own circuit breaker ({@link #breaker}). Items without a scope share the
     * scope {@code *}. With the {@link HttpHandler} as {@link #itemHandler} and a breaker, the
     * default scope is {@code host:port} of each item's URL.
     */
    public BatchBuilder<T> scope(Function<? super T, String> value) {
        settings.scope = Objects.requireNonNull(value, "scope");
        return this;
    }

    /** The payload of each item: any object Jackson can write as JSON, stored with the item; null for none. */
    public BatchBuilder<T> payload(Function<? super T, ?> value) {
        settings.payload = Objects.requireNonNull(value, "payload");
        return this;
    }

    /**
     * Rebuilds an item from the ledger (its key and payload) for runs that did not submit it:
     * {@link #resume}, {@link #retryFailed}. Also lets {@link #run()} skip keeping the submitted
     * objects in memory, which matters for very large batches.
     */
    public BatchBuilder<T> restore(Function<Item, T> value) {
        settings.restore = Objects.requireNonNull(value, "restore");
        return this;
    }

    // ------------------------------------------------------------------ handlers

    /** Processes each item by itself. */
    public BatchBuilder<T> handler(BatchHandler<T> value) {
        Objects.requireNonNull(value, "handler");
        settings.setHandler(BatchItemHandler.voidHandler((item, context) -> value.handle(item)), value);
        return this;
    }

    /**
     * Processes each item by itself, storing what the handler returns with the item's successful
     * outcome as JSON ({@link ResultCodec#json}); read it back with {@link BatchResult#results(Class)}.
     * A result may take at most {@link AttemptResult#MAX_RESULT_BYTES} (8 KiB); a larger one fails its
     * item permanently (category {@value AttemptResult#RESULT_TOO_LARGE}).
     */
    public <R> BatchBuilder<T> handler(Class<R> resultType, ResultHandler<T, R> value) {
        return handler(ResultCodec.json(resultType), value);
    }

    /** As {@link #handler(Class, ResultHandler)}, with the results written and read by {@code codec}. */
    public <R> BatchBuilder<T> handler(ResultCodec<R> codec, ResultHandler<T, R> value) {
        Objects.requireNonNull(value, "handler");
        settings.setResultHandler(codec, (item, context) -> value.handle(item), value);
        return this;
    }

    /** As {@link #handler(Class, ResultHandler)}, with the attempt's context, as {@link #handlerWithContext(ContextualHandler)}. */
    public <R> BatchBuilder<T> handlerWithContext(Class<R> resultType, ContextualResultHandler<T, R> value) {
        return handlerWithContext(ResultCodec.json(resultType), value);
    }

    /** As {@link #handlerWithContext(Class, ContextualResultHandler)}, with the results written and read by {@code codec}. */
    public <R> BatchBuilder<T> handlerWithContext(ResultCodec<R> codec, ContextualResultHandler<T, R> value) {
        Objects.requireNonNull(value, "handler");
        settings.setResultHandler(codec, value, value);
        return this;
    }

    /**
     * Processes each item by itself, with its attempt's context (attempt number, log, stop
     * request). (Not an overload of {@code handler}, so method references such as
     * {@code list::add} stay unambiguous.)
     */
    public BatchBuilder<T> handlerWithContext(ContextualHandler<T> value) {
        Objects.requireNonNull(value, "handler");
        settings.setHandler(BatchItemHandler.voidHandler(value), value);
        return this;
    }

    /**
     * Runs an engine-level handler on each item (it sees the key, payload and scope the ledger
     * holds, not the object): the built-in {@code http} and {@code exec} handlers. Its results
     * are recorded as they are ({@link AttemptResult#retryAfter()} included).
     */
    public BatchBuilder<T> itemHandler(ItemHandler value) {
        Objects.requireNonNull(value, "itemHandler");
        settings.requireNoHandler();
        settings.engineHandler = value;
        settings.handlerName = value.getClass().isSynthetic() ? "java" : value.getClass().getName();
        return this;
    }

    /**
     * Processes items in chunks of up to {@code size} (one database batch insert); when a chunk
     * fails, its items run again one at a time to isolate the bad ones. Up to
     * {@link #concurrency} chunks run at once.
     */
    public BatchBuilder<T> chunks(int size, ChunkHandler<T> value) {
        Objects.requireNonNull(value, "chunk handler");
        return chunksWithContext(size, (items, context) -> value.handle(items));
    }

    /**
     * As {@link #chunks(int, ChunkHandler)}, with a handler that also gets the chunk's
     * {@link ChunkContext}: the job id and each item's idempotency key.
     */
    public BatchBuilder<T> chunksWithContext(int size, ContextualChunkHandler<T> value) {
        Objects.requireNonNull(value, "chunk handler");
        ValidationException.require(size >= 1 && size <= 1_000, "chunk size must be between 1 and 1000, but was " + size);
        settings.requireNoHandler();
        settings.chunkHandler = value;
        settings.chunkSize = size;
        settings.handlerName = "chunks of " + size;
        return this;
    }

    /** How long a part-filled chunk waits for more items before it runs (default 20 ms). */
    public BatchBuilder<T> chunkLinger(Duration value) {
        ValidationException.require(value != null && !value.isNegative() && value.compareTo(Duration.ofSeconds(10)) <= 0,
                "chunk linger must be between 0 and 10s, but was " + value);
        settings.chunkLinger = value;
        return this;
    }

    /** Exceptions of {@code type} (or caused by one) fail the attempt as {@code errorClass} with {@code category}. */
    public BatchBuilder<T> classify(Class<? extends Throwable> type, ErrorClass errorClass, String category) {
        return classify(ExceptionClassifier.of(type, errorClass, category));
    }

    /** Adds a classifier for foreign exceptions; classifiers are asked in the order they were added. */
    public BatchBuilder<T> classify(ExceptionClassifier value) {
        settings.classifiers.add(Objects.requireNonNull(value, "classifier"));
        return this;
    }

    /** The class of exceptions no classifier knows (default transient, category {@code exception}). */
    public BatchBuilder<T> otherExceptions(ErrorClass value) {
        settings.otherExceptions = Objects.requireNonNull(value, "otherExceptions");
        return this;
    }

    // ------------------------------------------------------------------ policies

    /** The job's name in the ledger and reports (default {@code batch}). */
    public BatchBuilder<T> name(String value) {
        ValidationException.require(value != null && !value.isBlank(), "a batch name must not be blank, but was '" + value + "'");
        settings.name = value;
        return this;
    }

    /** Items processed at once (default 1); with {@link #chunks}, chunks processed at once. */
    public BatchBuilder<T> concurrency(int value) {
        ValidationException.require(value >= 1 && value <= JobConfig.MAX_CONCURRENCY,
                "concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + value);
        settings.concurrency = value;
        settings.concurrencySet = true;
        return this;
    }

    /** Item n+1 starts only after item n has its final outcome (retries included); needs concurrency 1. */
    public BatchBuilder<T> ordered() {
        settings.config.ordered(true);
        settings.ordered = true;
        return this;
    }

    /**
     * Strict order per scope: the items with the same {@code scopeOfItem} (a node, a host, a folder)
     * run one after another in their order, each after the one before has its final outcome
     * (retries included, as {@link #ordered()}); different scopes run side by side up to
     * {@link #concurrency}. The order scope is stored with each item, so a resumed batch keeps it.
     * Excludes {@link #ordered()} and {@link #chunks}.
     */
    public BatchBuilder<T> orderedBy(Function<? super T, String> scopeOfItem) {
        settings.orderScope = Objects.requireNonNull(scopeOfItem, "scopeOfItem");
        settings.orderTemplate = null;
        settings.config.orderedBy(JobConfig.ORDERED_BY_JAVA);
        return this;
    }

    /**
     * Like {@link #orderedBy(Function)}, with the order scope of each item from a template, as the
     * command line's {@code --ordered-by}: {@code {//}} (the key's folder), {@code {host}} (a field of
     * the payload), with literal text around them. The template is recorded in the job's configuration.
     */
    public BatchBuilder<T> orderedBy(String template) {
        settings.orderTemplate = ScopeTemplate.compile(JobConfig.ORDERED_BY_OPTION, template);
        settings.orderScope = null;
        settings.config.orderedBy(template);
        return this;
    }

    public BatchBuilder<T> retry(RetryPolicy value) {
        settings.config.retry(Objects.requireNonNull(value, "retry"));
        settings.retrySet = value;
        return this;
    }

    /** Longest an attempt may run; past it the attempt is stopped and fails transiently ({@code timeout}). */
    public BatchBuilder<T> timeout(Duration value) {
        ValidationException.require(value != null && !value.isNegative() && !value.isZero(),
                "timeout must be positive, but was " + value);
        settings.config.attemptTimeout(value).attemptTimeoutPercent(null);
        settings.timeoutSet = value;
        return this;
    }

    /**
     * Longest an attempt may run, as {@code percent} % of the median duration of the batch's recent
     * successful attempts (GNU parallel's {@code --timeout N%}); no limit until the first success.
     * Replaces {@link #timeout}.
     */
    public BatchBuilder<T> timeoutPercentOfMedian(int percent) {
        ValidationException.require(percent > 0, "timeoutPercentOfMedian must be more than 0 (%), but was " + percent);
        settings.config.attemptTimeout(null).attemptTimeoutPercent(percent);
        return this;
    }

    /** Stops the job (FAILED, the rest SKIPPED) once this many items have failed. */
    public BatchBuilder<T> maxFailures(long count) {
        settings.config.failureThreshold(new FailureThreshold(count, 0));
        return this;
    }

    /** Stops the job once failed items reach {@code percent} of its items. */
    public BatchBuilder<T> maxFailurePercent(double percent) {
        settings.config.failureThreshold(new FailureThreshold(0, percent));
        return this;
    }

    /** Adds an entry to the job's configuration snapshot (the audit trail): where items came from, versions. */
    public BatchBuilder<T> describe(String entry, Object value) {
        ValidationException.require(entry != null && !entry.isBlank(), "a description entry needs a name, but was '" + entry + "'");
        settings.describe.put(entry, String.valueOf(value));
        return this;
    }

    /**
     * A circuit breaker per {@linkplain #scope scope}, opening as {@code policy} says
     * ({@link BreakerPolicy#consecutive}, {@link BreakerPolicy#failures}, {@link BreakerPolicy#rate},
     * or {@link BreakerPolicy#parse} of the command line's {@code --breaker} text). What an open
     * breaker does is {@link #onOpen} (default {@code PAUSE}: the scope's items wait, using no
     * attempts, while the other scopes go on; after the open time one trial goes through, and on
     * success the rest follow). A rejection by an open breaker is never an attempt. Give breakers
     * a {@link #timeout}: a trial that hangs is stopped by it and counts as failed.
     *
     * <pre>{@code
     * .scope(op -> op.machine())
     * .breaker(BreakerPolicy.failures(3, Duration.ofSeconds(60))
     *         .withCounted(Set.of(ErrorClass.TRANSIENT))          // only these count
     *         .withOpen(Duration.ofSeconds(60), 1.0, null))       // open time
     * .onOpen(OnOpen.PAUSE)
     * }</pre>
     */
    public BatchBuilder<T> breaker(BreakerPolicy policy) {
        settings.breakerPolicy = Objects.requireNonNull(policy, "breaker policy");
        return this;
    }

    /** A circuit breaker per scope with {@code config}'s policy and on-open mode (its scope text is ignored). */
    public BatchBuilder<T> breaker(BreakerConfig config) {
        Objects.requireNonNull(config, "breaker config");
        settings.breakerPolicy = config.policy();
        settings.onOpen = config.onOpen();
        settings.sharedBreakers = config.shared();
        return this;
    }

    /**
     * Makes the scopes' breakers the ledger's named, shared breakers (the command line's
     * {@code --breaker-shared}): the breaker of scope {@code m1} is the ledger's breaker {@code m1},
     * shared with every other batch and job on the ledger and with direct calls through
     * {@code engine.breaker("m1", policy)} ({@link dev.bulwark.breaker.NamedBreaker}). The ledger
     * keeps the policy the breaker was created with. Needs {@link #breaker}.
     */
    public BatchBuilder<T> sharedBreakers() {
        settings.sharedBreakers = true;
        return this;
    }

    /**
     * What happens to the items of a scope whose breaker is open: {@code PAUSE} (default) they
     * wait; {@code HALT} the batch stops, FAILED with reason {@code breaker-open: ...}, the rest
     * SKIPPED (reset the breaker with {@link RunningBatch#resetBreaker} or {@link #resetBreaker},
     * then {@link #resume}); {@code FAIL} they fail at once with category {@code breaker-open}
     * and no attempt, while the other scopes go on. Needs {@link #breaker}.
     */
    public BatchBuilder<T> onOpen(BreakerConfig.OnOpen value) {
        settings.onOpen = Objects.requireNonNull(value, "onOpen");
        return this;
    }

    /**
     * How the batch stops when it is halted (breaker in halt mode, {@link #jobTimeout},
     * {@link #maxFailures}, {@link #stopOnFirstFailure()}, {@link RunningBatch#halt}):
     * {@link HaltMode#NOW} (default) stops running attempts, recorded as interrupted, their items
     * SKIPPED; {@link HaltMode#SOON} lets them finish and keep their outcome. A critical error
     * always stops at once.
     */
    public BatchBuilder<T> halt(HaltMode value) {
        settings.config.halt(Objects.requireNonNull(value, "halt"));
        return this;
    }

    /** Same as {@code halt(HaltMode.SOON)}: a halt lets running attempts finish. */
    public BatchBuilder<T> haltSoon() {
        return halt(HaltMode.SOON);
    }

    /**
     * The time budget of each run of the batch ({@link #run}, {@link #resume}, {@link #retryFailed}),
     * on the batch's {@link #clock}. When it runs out the batch halts: FAILED with reason
     * {@code job-timeout}, what is left SKIPPED (resumable). With {@link #jobTimeoutPerItem}, the
     * base of the budget.
     */
    public BatchBuilder<T> jobTimeout(Duration value) {
        requirePositive(value, "job timeout");
        settings.config.jobTimeout(value);
        return this;
    }

    /**
     * Time added to the budget for each item still without an outcome when a run starts, so the
     * budget grows with the batch: {@code jobTimeout(30s).jobTimeoutPerItem(2s)} gives a run of 100
     * items 230 s. Works alone too.
     */
    public BatchBuilder<T> jobTimeoutPerItem(Duration value) {
        requirePositive(value, "job timeout per item");
        settings.config.jobTimeoutPerItem(value);
        return this;
    }

    /**
     * Halts the batch when the first item fails for good (retries used up, or permanent): FAILED
     * with reason {@code stop-on-first-failure}, the rest SKIPPED. Attempts that will be retried
     * do not count.
     */
    public BatchBuilder<T> stopOnFirstFailure() {
        settings.config.stopOnFirstFailure(true);
        return this;
    }

    /**
     * After a critical error ({@link CriticalException}, or an exception a classifier calls
     * critical), undo every item that had succeeded, newest first, one at a time, with
     * {@code compensator}: it gets the same typed item the handler got, and its exceptions are
     * classified by the batch's rules. Each compensation is recorded as an attempt of its own; a
     * compensated item ends {@link ItemStatus#COMPENSATED}, one whose compensation failed stays
     * SUCCEEDED. The batch ends FAILED with the critical error and what the rollback did as its
     * reason; a rolled-back batch cannot be resumed (submit it again once the cause is fixed).
     *
     * <pre>{@code
     * .handler(row -> db.insert(row))
     * .rollback(row -> db.delete(row.id()))
     * }</pre>
     */
    public BatchBuilder<T> rollback(Compensator<T> value) {
        Objects.requireNonNull(value, "compensator");
        return rollbackWithContext((item, context) -> value.compensate(item));
    }

    /**
     * Like {@link #rollback(Compensator)}, with the compensation's {@link ItemContext}: the job id
     * (to undo only what this batch stored), the attempt number of the compensation, and the
     * item's log.
     */
    public BatchBuilder<T> rollbackWithContext(ContextualHandler<T> value) {
        settings.compensator = Objects.requireNonNull(value, "compensator");
        settings.config.rollback(true);
        return this;
    }

    /**
     * Called on each breaker transition, once the ledger has it: the scope's new state
     * ({@code OPEN} with its open-until and reason, {@code HALF_OPEN} when its trial may go,
     * {@code CLOSED}). From engine threads; keep it quick.
     */
    public BatchBuilder<T> onBreaker(Consumer<BreakerStatus> value) {
        Objects.requireNonNull(value, "onBreaker");
        return listener(BatchListeners.onBreaker(value));
    }

    private static void requirePositive(Duration value, String what) {
        ValidationException.require(value != null && !value.isNegative() && !value.isZero(),
                what + " must be positive, but was " + value);
    }

    // ------------------------------------------------------------------ environment

    /** The ledger to record the batch in (default: a new in-memory ledger per run). The caller closes it. */
    public BatchBuilder<T> ledger(Ledger value) {
        settings.ledger = Objects.requireNonNull(value, "ledger");
        return this;
    }

    /** Where per-item log files go ({@code DIR/JOB_ID/SEQ.log}); none by default. */
    public BatchBuilder<T> logDirectory(Path value) {
        settings.logDirectory = Objects.requireNonNull(value, "logDirectory");
        return this;
    }

    /** The clock for due times and durations; a {@link SettableClock} in tests. */
    public BatchBuilder<T> clock(BulwarkClock value) {
        settings.clock = Objects.requireNonNull(value, "clock");
        return this;
    }

    /** Source of backoff jitter; a seeded one makes retries repeatable. */
    public BatchBuilder<T> random(RandomGenerator value) {
        settings.random = Objects.requireNonNull(value, "random");
        return this;
    }

    /** Name recorded on every attempt (default {@code host:pid}). */
    public BatchBuilder<T> worker(String value) {
        settings.worker = Objects.requireNonNull(value, "worker");
        return this;
    }

    /** Receives every engine event and progress report. */
    public BatchBuilder<T> listener(JobListener value) {
        settings.listeners.add(Objects.requireNonNull(value, "listener"));
        return this;
    }

    /** Called a few times per second and at the end with progress built from committed outcomes. */
    public BatchBuilder<T> onProgress(Consumer<Progress> value) {
        Objects.requireNonNull(value, "onProgress");
        return listener(BatchListeners.onProgress(value));
    }

    /** Called with each attempt's outcome once the ledger recorded it, from engine threads. */
    public BatchBuilder<T> onItem(Consumer<ItemOutcome> value) {
        Objects.requireNonNull(value, "onItem");
        return listener(BatchListeners.onItem(value));
    }

    // ------------------------------------------------------------------ running

    /** Checks and stores every item, runs the batch to its end on this thread, and returns the result. */
    public BatchResult run() {
        return launch().start(false).await();
    }

    /**
     * Checks and stores every item, then runs the batch on a new thread; returns at once with a
     * handle to follow, pause or cancel it.
     */
    public RunningBatch start() {
        return launch().start(true);
    }

    /**
     * Runs what is left of a batch this ledger holds (PAUSED, left RUNNING by a crash, or halted):
     * items with a final outcome never run again. Needs a {@link #restore} function and the
     * batch's ledger; this builder's items are not used.
     */
    public BatchResult resume(UUID jobId) {
        return launch().continueJob(jobId, false, false).await();
    }

    /** Runs the FAILED items of a finished batch again with a fresh retry budget. Needs {@link #restore}. */
    public BatchResult retryFailed(UUID jobId) {
        return launch().continueJob(jobId, true, false).await();
    }

    /**
     * As {@link #resume}, on a new thread: returns at once with a {@link RunningBatch} to follow,
     * pause (on shutdown, say), cancel or await it.
     */
    public RunningBatch resumeAsync(UUID jobId) {
        return launch().continueJob(jobId, false, true);
    }

    /** As {@link #retryFailed}, on a new thread: returns at once with a {@link RunningBatch}. */
    public RunningBatch retryFailedAsync(UUID jobId) {
        return launch().continueJob(jobId, true, true);
    }

    /**
     * The settings of this builder ({@link #concurrency}, {@link #retry}, {@link #timeout},
     * {@link #breaker}) that differ from those frozen in the job's configuration snapshot, one line
     * each naming both values: a resumed job keeps its frozen configuration and ignores them
     * ({@link #resume} logs them as a warning). Empty when nothing set here differs.
     */
    public List<String> ignoredOnResume(UUID jobId) {
        return launch().ignoredOnResume(jobId);
    }

    /**
     * The jobs of {@code name} in this builder's {@link #ledger} that have not finished (QUEUED,
     * RUNNING — left so by a crash, or running in another engine — or PAUSED), newest first: what
     * {@link #resume} can continue. Halted jobs (FAILED with skipped items) are resumable too;
     * find them with the ledger's {@code listJobs}.
     */
    public List<Job> unfinished(String name) {
        return launch().unfinished(name);
    }

    /**
     * Closes a scope's circuit breaker by hand in a batch that is not running (one halted by its
     * breaker, say), in this builder's {@link #ledger}: the next {@link #resume} starts with it
     * closed instead of waiting for its open time. Returns false when it was not open. For a batch
     * that is running, use {@link RunningBatch#resetBreaker}.
     */
    public boolean resetBreaker(UUID jobId, String scope) {
        return launch().resetBreaker(jobId, scope);
    }

    /** The breakers of a batch in this builder's {@link #ledger} that are not closed, as its events left them. */
    public List<BreakerStatus> breakers(UUID jobId) {
        return launch().breakers(jobId);
    }

    private BatchLaunch<T> launch() {
        return new BatchLaunch<>(settings);
    }
}
