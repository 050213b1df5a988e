package dev.bulwark;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The status of a job. Allowed changes live in one table ({@link #canBecome(JobStatus)}); the
 * ledgers refuse every other change with an {@link InvalidTransitionException}.
 *
 * <pre>QUEUED → RUNNING ⇄ PAUSED → COMPLETED | PARTIAL | FAILED | CANCELLED</pre>
 *
 * <p>A finished job can be re-queued only by an explicit user action: {@code retry-failed}
 * (PARTIAL or FAILED) or {@code resume} of a job that was halted (FAILED).
 */
public enum JobStatus {
    QUEUED, RUNNING, PAUSED, COMPLETED, PARTIAL, FAILED, CANCELLED;

    private static final Map<JobStatus, Set<JobStatus>> ALLOWED = Map.of(
            QUEUED, EnumSet.of(RUNNING, PAUSED, CANCELLED),
            RUNNING, EnumSet.of(PAUSED, COMPLETED, PARTIAL, FAILED, CANCELLED),
            PAUSED, EnumSet.of(RUNNING, QUEUED, CANCELLED),
            COMPLETED, EnumSet.noneOf(JobStatus.class),
            PARTIAL, EnumSet.of(QUEUED),
            FAILED, EnumSet.of(QUEUED),
            CANCELLED, EnumSet.noneOf(JobStatus.class));

    /** Whether the transition table allows this status to change into {@code next}. */
    public boolean canBecome(JobStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    /** Throws {@link InvalidTransitionException} unless {@link #canBecome(JobStatus)}. */
    public void checkCanBecome(JobStatus next, String what) {
        if (!canBecome(next)) {
            throw new InvalidTransitionException(what, name(), next.name());
        }
    }

    /** COMPLETED, PARTIAL, FAILED and CANCELLED: the job is not running and will not run by itself. */
    public boolean isFinal() {
        return this == COMPLETED || this == PARTIAL || this == FAILED || this == CANCELLED;
    }
}
