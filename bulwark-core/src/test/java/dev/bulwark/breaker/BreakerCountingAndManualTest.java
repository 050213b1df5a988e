package dev.bulwark.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ErrorClass;
import dev.bulwark.SettableClock;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.CircuitBreaker.Permit;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.util.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Counting failures by category ({@code --breaker-count timeout,exit:75}) and breakers reset by hand only ({@code --breaker-open manual}). */
class BreakerCountingAndManualTest {
    final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void a_policy_counts_the_named_categories_and_only_those_when_no_class_is_named() {
        BreakerPolicy p = BreakerPolicy.consecutive(3).withCounting(List.of("timeout", "exit:75", "http:5*"), "--breaker-count");

        assertThat(p.counts(ErrorClass.TRANSIENT, "timeout")).isTrue();
        assertThat(p.counts(ErrorClass.PERMANENT, "exit:75")).isTrue();
        assertThat(p.counts(ErrorClass.TRANSIENT, "http:503")).isTrue();
        assertThat(p.counts(ErrorClass.TRANSIENT, "exit:1")).isFalse();
        assertThat(p.counts(ErrorClass.CRITICAL, "auth")).isFalse();
        assertThat(p.counts(ErrorClass.TRANSIENT, null)).isFalse();
        assertThat(p.countSpec()).isEqualTo("exit:75,http:5*,timeout");
    }

    @Test
    void classes_and_categories_combine_and_nothing_named_means_the_default() {
        BreakerPolicy p = BreakerPolicy.consecutive(3).withCounting(List.of("critical", "timeout"), "--breaker-count");
        assertThat(p.counts(ErrorClass.CRITICAL, "auth")).isTrue();
        assertThat(p.counts(ErrorClass.TRANSIENT, "timeout")).isTrue();
        assertThat(p.counts(ErrorClass.TRANSIENT, "connect")).isFalse();

        BreakerPolicy defaults = BreakerPolicy.consecutive(3).withCounting(List.of(), "--breaker-count");
        assertThat(defaults.counted()).isEqualTo(BreakerPolicy.DEFAULT_COUNTED);
        assertThat(defaults.categories()).isEmpty();
    }

    @Test
    void bad_count_entries_are_refused_naming_them() {
        BreakerPolicy p = BreakerPolicy.consecutive(3);
        assertThatThrownBy(() -> p.withCounting(List.of("timeout", " "), "--breaker-count"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("--breaker-count has an empty entry");
        assertThatThrownBy(() -> p.withCounting(List.of("http:*5"), "--breaker-count"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("entry 'http:*5' is neither an error class");
        assertThatThrownBy(() -> p.withCounting(List.of("time out"), "templates.x.breaker-count"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("templates.x.breaker-count entry 'time out'");
    }

    @Test
    void failures_of_uncounted_categories_neither_open_nor_close_the_breaker() {
        CircuitBreaker b = new CircuitBreaker("m1", BreakerPolicy.consecutive(2).withCounting(List.of("timeout"), "--breaker-count"));
        for (int i = 0; i < 5; i++) {
            Permit p = b.tryAcquire(clock.now(), t -> { });
            assertThat(b.onFailure(p, clock.now(), ErrorClass.TRANSIENT, "exit:1", "exit 1")).isEmpty();
        }
        Permit p1 = b.tryAcquire(clock.now(), t -> { });
        assertThat(b.onFailure(p1, clock.now(), ErrorClass.TRANSIENT, "timeout", "timed out")).isEmpty();
        Permit p2 = b.tryAcquire(clock.now(), t -> { });
        assertThat(b.onFailure(p2, clock.now(), ErrorClass.TRANSIENT, "exit:1", "exit 1")).isEmpty(); // neutral: the count stays 1
        Permit p3 = b.tryAcquire(clock.now(), t -> { });
        assertThat(b.onFailure(p3, clock.now(), ErrorClass.TRANSIENT, "timeout", "timed out")).hasValueSatisfying(t -> {
            assertThat(t.to()).isEqualTo(State.OPEN);
            assertThat(t.reason()).startsWith("2 consecutive failures");
        });
    }

    @Test
    void a_manual_breaker_stays_open_however_long_until_it_is_reset() {
        BreakerPolicy policy = BreakerPolicy.consecutive(1).withOpen("manual");
        assertThat(policy.manual()).isTrue();
        assertThat(policy.describeOpen()).isEqualTo("until reset");
        CircuitBreaker b = new CircuitBreaker("node-1", policy);
        Permit p = b.tryAcquire(clock.now(), t -> { });
        CircuitBreaker.Transition opened = b.onFailure(p, clock.now(), ErrorClass.TRANSIENT, "exit:1", "exit 1").orElseThrow();
        assertThat(opened.openUntil()).isEqualTo(BreakerState.UNTIL_RESET);
        assertThat(BreakerState.describeUntil(opened.openUntil())).isEqualTo("until reset");

        clock.advance(Duration.ofDays(3650));

        assertThat(b.state(clock.now())).isEqualTo(State.OPEN);
        assertThat(b.trialsAvailable(clock.now())).isZero();
        assertThat(b.tryAcquire(clock.now(), t -> { }).permitted()).isFalse();
        assertThat(b.reset(clock.now())).hasValueSatisfying(t -> assertThat(t.to()).isEqualTo(State.CLOSED));
        assertThat(b.tryAcquire(clock.now(), t -> { }).permitted()).isTrue();
    }

    @Test
    void a_manual_breaker_restored_from_its_events_is_still_open_until_reset() {
        BreakerPolicy policy = BreakerPolicy.consecutive(1).withOpen("manual");
        CircuitBreaker.Snapshot saved = new CircuitBreaker.Snapshot(State.OPEN, clock.now(), BreakerState.UNTIL_RESET, 0);
        CircuitBreaker b = CircuitBreaker.restore("node-1", policy, saved);
        clock.advance(Duration.ofDays(365));
        assertThat(b.tryAcquire(clock.now(), t -> { }).permitted()).isFalse();
    }

    @Test
    void categories_and_manual_survive_the_config_snapshot() {
        BreakerPolicy p = BreakerPolicy.failures(3, Duration.ofSeconds(60)).withOpen("manual")
                .withCounting(List.of("critical", "timeout", "exit:75"), "--breaker-count");
        BreakerPolicy back = Json.read(Json.write(p), BreakerPolicy.class);
        assertThat(back).isEqualTo(p);
        assertThat(back.manual()).isTrue();
        assertThat(back.categories()).isEqualTo(Set.of("timeout", "exit:75"));
        assertThat(back.counted()).isEqualTo(Set.of(ErrorClass.CRITICAL));
    }

    @Test
    void an_open_spec_that_is_neither_a_duration_nor_manual_is_refused() {
        assertThatThrownBy(() -> BreakerPolicy.consecutive(1).withOpen("manually"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("manual");
    }
}
