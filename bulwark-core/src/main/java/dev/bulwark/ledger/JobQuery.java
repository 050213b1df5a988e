package dev.bulwark.ledger;

import dev.bulwark.JobStatus;
import java.util.Set;

/**
 * Jobs newest first.
 *
 * @param statuses only these statuses, or empty for all
 * @param limit    at most this many jobs
 */
public record JobQuery(Set<JobStatus> statuses, int limit) {

    public JobQuery {
        statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, but was " + limit);
        }
    }

    public static JobQuery all() {
        return new JobQuery(Set.of(), 1_000);
    }
}
