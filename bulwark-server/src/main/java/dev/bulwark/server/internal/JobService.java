package dev.bulwark.server.internal;

import dev.bulwark.Engine;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.jdbc.worker.WorkerJobControl;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.ServerConfig;
import dev.bulwark.server.TemplateConfig;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the API does with jobs, for one tenant at a time: submit (idempotently), find, list,
 * control and delete. A job of another tenant does not exist for the caller (404).
 */
public final class JobService {
    /** The configuration snapshot's input entries that the service writes. */
    static final String TEMPLATE = "template";
    static final String TIER = "tier";
    static final String IDEMPOTENCY_KEY = "idempotency-key";
    static final String REQUEST_HASH = "request-sha256";
    /** Jobs listed or counted at most (newest first). */
    static final int MAX_SCANNED_JOBS = 100_000;

    private final Engine engine;
    private final Ledger ledger;
    private final WorkerPool pool;
    private final ServerConfig config;
    /** The shared ledger's work queue and in-process worker ({@code serve --store}), or null. */
    private final SharedWork shared;
    private final Map<String, UUID> idempotency = new ConcurrentHashMap<>();
    /**
     * Submissions with one Idempotency-Key run one at a time: a key takes the lock its hash picks
     * among a fixed few, so that refused or abandoned keys leave nothing behind (two keys sharing a
     * lock only wait for each other).
     */
    private final ReentrantLock[] keyLocks = new ReentrantLock[KEY_LOCKS];
    static final int KEY_LOCKS = 64;

    /**
     * @param shared with a shared PostgreSQL ledger, where jobs go instead of the pool (every job
     *               the service submits is then run by workers); null to run them in the pool
     */
    public JobService(Engine engine, WorkerPool pool, ServerConfig config, SharedWork shared) {
        this.engine = engine;
        this.ledger = engine.ledger();
        this.pool = pool;
        this.config = config;
        this.shared = shared;
        java.util.Arrays.setAll(keyLocks, i -> new ReentrantLock()); // not synchronized: that pins a virtual thread's carrier
    }

    /** The shared ledger's work queue, or null when this server runs its jobs itself. */
    public dev.bulwark.jdbc.WorkQueue workQueue() {
        return shared == null ? null : shared.queue();
    }

    /** The configured templates. */
    public java.util.Collection<TemplateConfig> templates() {
        return config.templates().values();
    }

    /** Whether jobs are run by the workers of a shared ledger. */
    public boolean sharedLedger() {
        return shared != null;
    }

    /**
     * Indexes the idempotency keys of the ledger's service jobs and queues the jobs that should go
     * on by themselves: queued ones, those a crash left running, those a shutdown paused. On a
     * shared ledger the workers go on with them by themselves: only the keys are indexed.
     */
    public void recover() {
        List<Job> jobs = ledger.listJobs(new JobQuery(Set.of(), MAX_SCANNED_JOBS));
        for (Job job : jobs.reversed()) { // oldest first: they were waiting longest
            if (!served(job)) {
                continue;
            }
            String key = job.config().input().get(IDEMPOTENCY_KEY);
            if (key != null) {
                idempotency.put(indexKey(job.tenant(), key), job.id());
            }
            boolean resumable = job.status() == JobStatus.QUEUED || job.status() == JobStatus.RUNNING
                    || (job.status() == JobStatus.PAUSED && WorkerPool.SHUTDOWN_REASON.equals(job.reason()));
            if (resumable && shared == null) {
                pool.enqueue(job, JobQueue.Action.RUN);
            }
        }
    }

    /** A submitted job, and whether it was an earlier submission with the same idempotency key. */
    public record Submitted(Job job, boolean replay, List<String> warnings) {
        public Submitted {
            warnings = List.copyOf(warnings);
        }
    }

    public Submitted submit(Principal who, byte[] body, String idempotencyKey) {
        if (idempotencyKey == null) {
            return create(who, body, null);
        }
        if (idempotencyKey.isEmpty() || idempotencyKey.length() > 200 || !idempotencyKey.chars().allMatch(c -> c > 32 && c < 127)) {
            throw Problem.badRequest("Idempotency-Key", "the Idempotency-Key header must be 1 to 200 printable ASCII characters without spaces");
        }
        String index = indexKey(who.tenant(), idempotencyKey);
        ReentrantLock lock = keyLocks[Math.floorMod(index.hashCode(), KEY_LOCKS)];
        lock.lock(); // one submission per key at a time
        try {
            UUID earlier = idempotency.get(index);
            if (earlier != null) {
                Job job = ledger.findJob(earlier).orElse(null);
                if (job != null) {
                    if (!sha256(body).equals(job.config().input().get(REQUEST_HASH))) {
                        throw Problem.unprocessable("Idempotency-Key", "the Idempotency-Key '" + idempotencyKey
                                + "' was already used for job " + earlier + " with a different request body");
                    }
                    return new Submitted(job, true, List.of());
                }
            }
            Submitted created = create(who, body, idempotencyKey);
            idempotency.put(index, created.job().id());
            return created;
        } finally {
            lock.unlock();
        }
    }

    private Submitted create(Principal who, byte[] body, String idempotencyKey) {
        Map<String, String> audit = new LinkedHashMap<>();
        audit.put("type", "api");
        audit.put(TIER, who.tier().name());
        audit.put(REQUEST_HASH, sha256(body));
        if (idempotencyKey != null) {
            audit.put(IDEMPOTENCY_KEY, idempotencyKey);
        }
        Submission s = Submission.parse(body, config, who.tier(), audit);
        refuseOtherTenantsUploads(who, s);
        Job job = engine.submit(s.name(), who.tenant(), who.tier().priority(), s.config(), s.items().iterator());
        if (shared != null) {
            shared.queue().enqueue(job.id(), who.tier().priority(), s.config().concurrency());
            shared.queue().notifyWorkers();
        } else {
            pool.enqueue(job, JobQueue.Action.RUN);
        }
        return new Submitted(job, false, s.warnings());
    }

    /**
     * 422 when an item lies in an upload root (of any template) outside the caller's own folder
     * there: a tenant's uploads are its own, whichever template a submission names.
     */
    private void refuseOtherTenantsUploads(Principal who, Submission s) {
        for (TemplateConfig t : config.templates().values()) {
            if (t.uploadRoot() == null) {
                continue;
            }
            java.nio.file.Path uploads = t.roots().get(t.uploadRoot());
            java.nio.file.Path own = uploads.resolve(who.tenant());
            for (int i = 0; i < s.items().size(); i++) {
                java.nio.file.Path p = dev.bulwark.util.FileNames.path(s.items().get(i).key());
                if (p.startsWith(uploads) && !p.startsWith(own)) {
                    throw Problem.unprocessable("items", "items[" + i + "] lies in the uploads of root '" + t.uploadRoot()
                            + "' outside the tenant's own folder '" + who.tenant() + "/': name files of your own uploads");
                }
            }
        }
    }

    /** The caller's job, or 404 (also for another tenant's job). */
    public Job find(Principal who, String id) {
        UUID jobId;
        try {
            jobId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problem.notFound("job '" + id + "' not found: a job id is a UUID");
        }
        return ledger.findJob(jobId).filter(j -> j.tenant().equals(who.tenant()) && served(j))
                .orElseThrow(() -> Problem.notFound("job " + id + " not found"));
    }

    /**
     * The principal an operator acts as on a job (requests from the machine itself, such as
     * {@code bulwark cancel}): the job's own tenant, with every role. 404 for a job the service
     * does not run.
     */
    public Principal operatorFor(UUID jobId) {
        Job job = ledger.findJob(jobId).filter(JobService::served)
                .orElseThrow(() -> Problem.notFound("job " + jobId + " is not a job of the service"));
        String tier = job.config().input().get(TIER);
        return new Principal(job.tenant(), config.tier(tier), EnumSet.allOf(dev.bulwark.server.Role.class));
    }

    /** The caller's jobs, newest first. */
    public List<Job> list(Principal who, Set<JobStatus> statuses) {
        return ledger.listJobs(new JobQuery(statuses, MAX_SCANNED_JOBS)).stream()
                .filter(j -> j.tenant().equals(who.tenant()) && served(j)).toList();
    }

    /** Every service job, newest first (for statistics). */
    public List<Job> all() {
        return ledger.listJobs(new JobQuery(Set.of(), MAX_SCANNED_JOBS)).stream().filter(JobService::served).toList();
    }

    public Job cancel(Principal who, String id) {
        Job job = find(who, id);
        String reason = "cancelled through the API";
        if (shared != null) {
            return control(() -> WorkerJobControl.cancel(shared.queue(), job, reason));
        }
        if (pool.stopRunning(job.id(), jobId -> engine.activeJobs().contains(jobId) && engine.cancel(jobId, reason) != null)) {
            return job;
        }
        if (pool.dequeue(job.id()) && job.status().isFinal()) {
            return job; // it waited to have its failed items retried: that is what is cancelled
        }
        return control(() -> engine.cancel(job.id(), reason));
    }

    public Job pause(Principal who, String id) {
        Job job = find(who, id);
        String reason = "paused through the API";
        if (shared != null) {
            return control(() -> WorkerJobControl.pause(shared.queue(), job, reason));
        }
        if (pool.stopRunning(job.id(), jobId -> engine.pause(jobId, reason))) {
            return job;
        }
        if (pool.dequeue(job.id())) {
            return ledger.transition(job.id(), JobStatus.PAUSED, reason, engine.now());
        }
        throw Problem.conflict("job " + job.id() + " is " + job.status() + ": only a queued or running job can be paused");
    }

    public Job resume(Principal who, String id) {
        Job job = find(who, id);
        if (shared != null) {
            return control(() -> WorkerJobControl.resume(shared.queue(), job));
        }
        boolean haltedWithSkipped = job.status() == JobStatus.FAILED && ledger.counts(job.id()).skipped() > 0;
        if (job.status() != JobStatus.PAUSED && !haltedWithSkipped) {
            throw Problem.conflict("job " + job.id() + " is " + job.status() + ": only a paused job, or a halted one with "
                    + "skipped items, can be resumed" + (job.status().isFinal() ? "; use retry-failed for failed items" : ""));
        }
        pool.enqueue(job, JobQueue.Action.RUN);
        return job;
    }

    public Job retryFailed(Principal who, String id) {
        Job job = find(who, id);
        if (shared != null) {
            return control(() -> WorkerJobControl.retryFailed(shared.queue(), job));
        }
        if ((job.status() != JobStatus.PARTIAL && job.status() != JobStatus.FAILED) || ledger.counts(job.id()).failed() == 0) {
            throw Problem.conflict("job " + job.id() + " is " + job.status() + " with " + ledger.counts(job.id()).failed()
                    + " failed item(s): retry-failed works on PARTIAL or FAILED jobs with failed items");
        }
        pool.enqueue(job, JobQueue.Action.RETRY_FAILED);
        return job;
    }

    /**
     * Runs one FAILED or SKIPPED item of the caller's PARTIAL or FAILED job again, with a fresh
     * retry budget: the job becomes QUEUED and runs that item. 409 for a job or item in another
     * state, 404 for a missing item.
     */
    public Job retryItem(Principal who, String id, long seq) {
        Job job = find(who, id);
        if (shared != null) {
            return control(() -> WorkerJobControl.retryItems(shared.queue(), job, List.of(seq)));
        }
        if (pool.isWaiting(job.id()) || pool.isRunning(job.id())) {
            throw Problem.conflict("job " + job.id() + " is already queued or running; retry item " + seq + " once it has ended");
        }
        Job queued = control(() -> engine.reopenItems(job.id(), List.of(seq)));
        pool.enqueue(queued, JobQueue.Action.RUN);
        return queued;
    }

    public void delete(Principal who, String id) {
        Job job = find(who, id);
        if (!job.status().isFinal() || pool.isWaiting(job.id()) || pool.isRunning(job.id())) {
            throw Problem.conflict("job " + job.id() + " is " + job.status() + ": only a finished job can be deleted; cancel it first");
        }
        control(() -> forget(job));
    }

    /**
     * Deletes a finished job from the ledger and forgets its idempotency key; false when it was gone
     * already. Throws {@link InvalidTransitionException} for a job that is not finished.
     */
    boolean forget(Job job) {
        boolean deleted = ledger.delete(job.id());
        String key = job.config().input().get(IDEMPOTENCY_KEY);
        if (key != null) {
            idempotency.remove(indexKey(job.tenant(), key), job.id());
        }
        return deleted;
    }

    /** A breaker that is not closed, and its job. */
    public record JobBreaker(Job job, BreakerStatus breaker) {
    }

    /**
     * The breakers that are open or half-open in the caller's jobs (every tenant's for
     * {@code who == null}): of every job with breakers that is unfinished or FAILED (a halted
     * job), as {@code bulwark breaker list} shows them.
     */
    public List<JobBreaker> openBreakers(Principal who) {
        List<JobBreaker> out = new ArrayList<>();
        for (Job job : who == null ? all() : list(who, Set.of())) {
            if (job.config().breaker() != null && (!job.status().isFinal() || job.status() == JobStatus.FAILED)) {
                breakers(job).forEach(b -> out.add(new JobBreaker(job, b)));
            }
        }
        return out;
    }

    /**
     * The ledger's shared breakers (a resource of the ledger, not of a tenant: every reader sees
     * them), each with the waiting jobs the caller may see; none when the ledger keeps none.
     */
    public List<Map<String, Object>> sharedBreakers(Principal who) {
        List<dev.bulwark.SharedBreakerView> views;
        try {
            views = dev.bulwark.SharedBreakerView.all(ledger, engine.now());
        } catch (UnsupportedOperationException e) {
            return List.of();
        }
        Set<UUID> visible = new java.util.HashSet<>();
        (who == null ? all() : list(who, Set.of())).forEach(j -> visible.add(j.id()));
        return views.stream().map(v -> Views.sharedBreaker(v, visible)).toList();
    }

    /** Closes the ledger's shared breaker {@code name} for every job and process; false when it was closed. */
    public boolean resetSharedBreaker(String name) {
        return engine.resetSharedBreaker(name);
    }

    /** Opens the ledger's shared breaker {@code name} by hand for {@code duration} (null: until reset). */
    public void openSharedBreaker(String name, java.time.Duration duration, String reason) {
        engine.openSharedBreaker(name, null, duration, reason);
    }

    /** The job's breakers that are not closed (none for a job without breakers). */
    public List<BreakerStatus> breakers(Job job) {
        if (job.config().breaker() == null) {
            return List.of();
        }
        try {
            return engine.breakers(job.id());
        } catch (dev.bulwark.NotFoundException e) {
            return List.of(); // deleted meanwhile
        }
    }

    /**
     * Closes the breaker of {@code scope} in the caller's job by hand: a running job sends the
     * scope's items again at once; a halted one starts with it closed when it is resumed. 404 for
     * another tenant's job, 409 for a job without breakers or a breaker that is not open. Returns the
     * job as it is afterwards.
     */
    public Job resetBreaker(Principal who, String id, String scope) {
        Job job = find(who, id);
        if (job.config().breaker() == null) {
            throw Problem.conflict("job " + job.id() + " has no circuit breakers: its template '"
                    + job.config().input().get(TEMPLATE) + "' declares no breaker");
        }
        if (scope.isEmpty()) {
            throw Problem.badRequest("scope", "scope must not be empty (the whole job's scope is '*')");
        }
        // on a shared ledger the breaker is the job's row that every worker reads
        boolean reset = control(() -> shared != null ? shared.queue().resetBreaker(job.id(), scope) : engine.resetBreaker(job.id(), scope));
        if (!reset) {
            throw Problem.conflict("the breaker of scope '" + scope + "' in job " + job.id() + " is not open; open ones: "
                    + breakers(job).stream().map(BreakerStatus::scope).toList());
        }
        return ledger.findJob(job.id()).orElse(job);
    }

    private static <T> T control(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (ValidationException | InvalidTransitionException e) {
            throw Problem.conflict(e.getMessage());
        }
    }

    /** Whether the job was submitted through the service (command-line jobs in the same home are not shown). */
    static boolean served(Job job) {
        return job.config().input().containsKey(TEMPLATE) && "api".equals(job.config().input().get("type"));
    }

    private static String indexKey(String tenant, String key) {
        return tenant + "\n" + key;
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The statuses named in a {@code status} query parameter ({@code RUNNING,QUEUED}); empty for all. */
    static <E extends Enum<E>> Set<E> statuses(Class<E> type, String text) {
        Set<E> out = EnumSet.noneOf(type);
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String s : text.split(",")) {
            try {
                out.add(Enum.valueOf(type, s.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw Problem.badRequest("status", "status must be a comma-separated list of "
                        + List.of(type.getEnumConstants()) + ", but contained '" + s.trim() + "'");
            }
        }
        return out;
    }
}
