package dev.bulwark.server;

import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import java.time.Duration;

/**
 * How long the service keeps finished jobs ({@code server.retention}), applied on a schedule
 * with the semantics of {@code bulwark prune --keep-failed}: COMPLETED and CANCELLED jobs go
 * {@code finished} after they finished; FAILED and PARTIAL jobs (those with a review queue) stay
 * until {@code failed} has passed, or for ever without it. A job that can still run, or waits to
 * run again, is never deleted.
 *
 * @param finished how long COMPLETED and CANCELLED jobs are kept; null: for ever
 * @param failed   how long FAILED and PARTIAL jobs are kept; null: for ever
 * @param every    how often the server looks for jobs to delete
 * @param outputs  how long the output files of a finished job are kept (the job itself may stay longer); null:
 *                 as long as the job
 * @param uploads  how long an upload ({@code POST /uploads}) is kept after it arrived, unless a job that has not
 *                 finished uses it; null: for ever
 */
public record RetentionConfig(Duration finished, Duration failed, Duration every, Duration outputs, Duration uploads) {
    public static final Duration DEFAULT_EVERY = Duration.ofHours(1);
    /** Keeps every job (no {@code server.retention}). */
    public static final RetentionConfig KEEP_ALL = new RetentionConfig(null, null, DEFAULT_EVERY, null, null);

    public RetentionConfig {
        ValidationException.require(finished == null || (!finished.isNegative() && !finished.isZero()),
                "server.retention.finished must be positive, but was " + finished);
        ValidationException.require(failed == null || (!failed.isNegative() && !failed.isZero()),
                "server.retention.failed must be positive, but was " + failed);
        ValidationException.require(outputs == null || (!outputs.isNegative() && !outputs.isZero()),
                "server.retention.outputs must be positive, but was " + outputs);
        ValidationException.require(uploads == null || (!uploads.isNegative() && !uploads.isZero()),
                "server.retention.uploads must be positive, but was " + uploads);
        ValidationException.require(every != null && every.compareTo(Duration.ofSeconds(1)) >= 0,
                "server.retention.every must be at least 1s, but was " + every);
    }

    /** Whether any job is ever deleted. */
    public boolean deletesAnything() {
        return finished != null || failed != null || outputs != null || uploads != null;
    }

    /** How long a job that ended with {@code status} is kept (null: for ever). */
    public Duration keep(JobStatus status) {
        return switch (status) {
            case COMPLETED, CANCELLED -> finished;
            case FAILED, PARTIAL -> failed;
            default -> null;
        };
    }
}
