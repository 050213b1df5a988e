package dev.bulwark.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.SettableClock;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.MemoryBreakerStore;
import dev.bulwark.breaker.NamedBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SharedBreakerMetricsTest {
    @Test
    void counts_the_shared_breakers_by_state_without_their_names() {
        SettableClock clock = new SettableClock(Instant.parse("2026-03-01T10:00:00Z"));
        MemoryBreakerStore store = new MemoryBreakerStore();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SharedBreakerMetrics(store, clock).bindTo(registry);
        NamedBreaker m1 = NamedBreaker.builder("m1", BreakerPolicy.consecutive(1)).store(store).clock(clock).build();
        NamedBreaker m2 = NamedBreaker.builder("m2", BreakerPolicy.consecutive(1)).store(store).clock(clock).build();
        m2.run(() -> { });
        m1.forceOpen(Duration.ofSeconds(30), "maintenance");
        store.forceOpen("m3", BreakerPolicy.consecutive(1), clock.now(), BreakerState.UNTIL_RESET, "by hand");

        assertThat(registry.get("bulwark.shared.breakers").tag("state", "open").gauge().value()).isEqualTo(2.0);
        assertThat(registry.get("bulwark.shared.breakers").tag("state", "closed").gauge().value()).isEqualTo(1.0);
        clock.advance(Duration.ofSeconds(30));
        assertThat(registry.get("bulwark.shared.breakers").tag("state", "half_open").gauge().value()).isEqualTo(1.0);
        assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTags().toString()).doesNotContain("m1", "m2", "m3"));
    }
}
