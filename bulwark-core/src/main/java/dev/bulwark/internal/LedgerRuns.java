package dev.bulwark.internal;

import dev.bulwark.ledger.Ledger;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;

/**
 * The jobs each ledger object of this process is running, whatever engine runs them: a second
 * engine on the same ledger must not take over a job that runs (it would take the live attempts
 * for crashed ones and run their items twice at once). Across processes, the SQLite ledger's file
 * lock and the PostgreSQL leases do this job. Thread-safe.
 */
public final class LedgerRuns {
    private static final Map<Ledger, Set<UUID>> RUNNING = new WeakHashMap<>();

    private LedgerRuns() {
    }

    /** Marks {@code jobId} as running on {@code ledger}; false when it already is. */
    public static synchronized boolean begin(Ledger ledger, UUID jobId) {
        return RUNNING.computeIfAbsent(ledger, l -> new HashSet<>()).add(jobId);
    }

    /** The run of {@code jobId} on {@code ledger} has ended. */
    public static synchronized void end(Ledger ledger, UUID jobId) {
        Set<UUID> jobs = RUNNING.get(ledger);
        if (jobs != null) {
            jobs.remove(jobId);
            if (jobs.isEmpty()) {
                RUNNING.remove(ledger);
            }
        }
    }
}
