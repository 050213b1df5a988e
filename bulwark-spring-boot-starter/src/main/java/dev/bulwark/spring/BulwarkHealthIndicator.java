package dev.bulwark.spring;

import dev.bulwark.Engine;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import java.util.UUID;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code bulwark} in Actuator's health: UP when the ledger answers a query, DOWN (with the error)
 * when it does not. Details: the jobs running in this application and how many of their circuit
 * breakers are open (counts only: no scope, which may name a customer's host).
 */
public final class BulwarkHealthIndicator extends AbstractHealthIndicator {
    private final Ledger ledger;
    private final Engine engine;

    public BulwarkHealthIndicator(Ledger ledger, Engine engine) {
        super("bulwark ledger check failed");
        this.ledger = ledger;
        this.engine = engine;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ledger.listJobs(new JobQuery(null, 1));
        long open = 0;
        for (UUID job : engine.activeJobs()) {
            open += engine.breakers(job).stream().filter(b -> b.state() == CircuitBreaker.State.OPEN).count();
        }
        builder.up().withDetail("activeJobs", engine.activeJobs().size()).withDetail("openBreakers", open);
    }
}
