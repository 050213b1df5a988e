package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import java.util.List;

import java.time.Duration;
import java.util.UUID;

/**
 * A job's progress, built only from outcomes already committed to the ledger.
 *
 * @param jobId       the job
 * @param counts      items by status, as the ledger has them: {@code running} counts items RUNNING in
 *                    the ledger, which includes attempts that have ended but whose outcome is still
 *                    being committed (a slot is freed when the handler returns), so it can exceed
 *                    the concurrency by the few outcomes of one group commit
 * @param itemsPerSec recent rate of final outcomes
 * @param elapsed     time since this run started
 * @param eta         estimated time to finish; <b>null</b> until final outcomes give a rate (at the
 *                    start of every run, {@code resume} included) and whenever no rate is known
 * @param breakers    the job's circuit breakers that are open or half-open, by scope
 */
public record Progress(UUID jobId, JobCounts counts, double itemsPerSec, Duration elapsed, Duration eta,
                       List<BreakerStatus> breakers) {

    public Progress {
        breakers = breakers == null ? List.of() : List.copyOf(breakers);
    }

    /** Share of items with a final outcome, 0 to 100. */
    public double percent() {
        return counts.total() == 0 ? 100.0 : 100.0 * counts.done() / counts.total();
    }
}
