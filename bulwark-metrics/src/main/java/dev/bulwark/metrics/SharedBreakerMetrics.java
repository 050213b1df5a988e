package dev.bulwark.metrics;

import dev.bulwark.BulwarkClock;
import dev.bulwark.breaker.BreakerStore;
import dev.bulwark.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The gauge {@code bulwark.shared.breakers} with tag {@code state} ({@code open},
 * {@code half_open}, {@code closed}): how many of a ledger's shared, named breakers are in each
 * state, read from the ledger when scraped. No tag carries a breaker's name: names are targets
 * (hosts, machines) of some tenant.
 *
 * <pre>{@code
 * new SharedBreakerMetrics(ledger.breakers(), BulwarkClock.system()).bindTo(registry);
 * }</pre>
 */
public final class SharedBreakerMetrics implements MeterBinder {
    private final BreakerStore store;
    private final BulwarkClock clock;

    public SharedBreakerMetrics(BreakerStore store, BulwarkClock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
            Gauge.builder("bulwark.shared.breakers", this, m -> m.count(state)).strongReference(true)
                    .tag("state", state.name().toLowerCase(Locale.ROOT))
                    .description("The ledger's shared breakers (--breaker-shared, named breakers), by state").register(registry);
        }
    }

    private long count(CircuitBreaker.State state) {
        Instant now = clock.now();
        return store.list().stream().filter(b -> b.state().stateAt(now) == state).count();
    }
}
