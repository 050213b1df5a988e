package dev.bulwark;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One submitted batch as the ledger holds it.
 *
 * @param id        the job id
 * @param name      a human name (defaults to the command or input)
 * @param priority  lower runs first
 * @param tenant    owner in service mode; {@code "local"} for the command line
 * @param status    current status
 * @param reason    why the job stopped (for FAILED, CANCELLED, PAUSED), else null
 * @param config    the frozen configuration snapshot the job runs with
 * @param total     number of items the job holds
 * @param createdAt when the job was accepted
 * @param startedAt when it first started running, or null
 * @param finishedAt when it reached its current final status, or null
 */
public record Job(UUID id, String name, int priority, String tenant, JobStatus status, String reason,
                  JobConfig config, long total, Instant createdAt, Instant startedAt, Instant finishedAt) {

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(createdAt, "createdAt");
        name = name == null ? "" : name;
        tenant = tenant == null ? LOCAL_TENANT : tenant;
    }

    /** The tenant of jobs submitted from the command line or the Java API. */
    public static final String LOCAL_TENANT = "local";

    /** A new QUEUED job without items, owned by {@link #LOCAL_TENANT} with priority 0. */
    public static Job newJob(UUID id, String name, JobConfig config, Instant now) {
        return newJob(id, name, LOCAL_TENANT, 0, config, now);
    }

    /** A new QUEUED job without items, for an owner and a priority. */
    public static Job newJob(UUID id, String name, String tenant, int priority, JobConfig config, Instant now) {
        return new Job(id, name, priority, tenant, JobStatus.QUEUED, null, config, 0, now, null, null);
    }

    public Job withStatus(JobStatus next, String why, Instant at) {
        Instant started = startedAt == null && next == JobStatus.RUNNING ? at : startedAt;
        Instant finished = next.isFinal() ? at : null;
        return new Job(id, name, priority, tenant, next, why, config, total, createdAt, started, finished);
    }

    public Job withConfig(JobConfig revised) {
        return new Job(id, name, priority, tenant, status, reason, revised, total, createdAt, startedAt, finishedAt);
    }

    public Job withTotal(long newTotal) {
        return new Job(id, name, priority, tenant, status, reason, config, newTotal, createdAt, startedAt, finishedAt);
    }
}
