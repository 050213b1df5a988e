package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.Ledger;
import java.time.Instant;
import java.util.List;

/**
 * A job's breakers as its ledger knows them: read from the job's events, or from the ledger's
 * shared breakers for a job that uses them. (Above both the ledger and the breakers, which it joins.)
 */
public final class JobBreakers {
    private JobBreakers() {
    }

    /**
     * The breakers of a job that are not closed, as its events in {@code ledger} leave them; for a
     * job with shared breakers, the ledger's shared breakers its events name, as they are now
     * (another job, a direct call or a reset by name may have changed them since).
     */
    public static List<BreakerStatus> open(Ledger ledger, java.util.UUID jobId) {
        List<BreakerStatus> fromEvents = BreakerStatus.latest(ledger.events(jobId, Integer.MAX_VALUE));
        boolean shared = ledger.findJob(jobId).map(j -> j.config().breaker() != null && j.config().breaker().shared())
                .orElse(false);
        if (shared) {
            java.util.Set<String> named = new java.util.HashSet<>();
            fromEvents.forEach(b -> named.add(b.scope()));
            Instant now = Instant.now();
            return ledger.breakers().list().stream().filter(b -> named.contains(b.name())).map(b -> b.status(now))
                    .filter(b -> b.state() != CircuitBreaker.State.CLOSED).toList();
        }
        return fromEvents.stream().filter(b -> b.state() != CircuitBreaker.State.CLOSED).toList();
    }
}
