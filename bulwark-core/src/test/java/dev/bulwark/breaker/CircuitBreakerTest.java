package dev.bulwark.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ErrorClass;
import dev.bulwark.SettableClock;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.CircuitBreaker.Permit;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    final SettableClock clock = new SettableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final List<Transition> transitions = new ArrayList<>();

    Permit acquire(CircuitBreaker b) {
        return b.tryAcquire(clock.now(), transitions::add);
    }

    Optional<Transition> fail(CircuitBreaker b) {
        Permit p = acquire(b);
        assertThat(p.permitted()).isTrue();
        return b.onFailure(p, clock.now(), ErrorClass.TRANSIENT, "exit 1");
    }

    Optional<Transition> succeed(CircuitBreaker b) {
        Permit p = acquire(b);
        assertThat(p.permitted()).isTrue();
        return b.onSuccess(p, clock.now(), Duration.ofMillis(5));
    }

    @Test
    void consecutive_failures_open_it_and_a_success_in_between_resets_the_count() {
        CircuitBreaker b = new CircuitBreaker("host-a", BreakerPolicy.consecutive(3));
        assertThat(fail(b)).isEmpty();
        assertThat(fail(b)).isEmpty();
        assertThat(succeed(b)).isEmpty();
        assertThat(fail(b)).isEmpty();
        assertThat(fail(b)).isEmpty();
        Transition t = fail(b).orElseThrow();
        assertThat(t.from()).isEqualTo(State.CLOSED);
        assertThat(t.to()).isEqualTo(State.OPEN);
        assertThat(t.openUntil()).isEqualTo(clock.now().plusSeconds(60));
        assertThat(t.reason()).startsWith("3 consecutive failures");
        Permit rejected = acquire(b);
        assertThat(rejected.permitted()).isFalse();
        assertThat(rejected.openUntil()).isEqualTo(t.openUntil());
    }

    @Test
    void after_the_open_time_one_trial_goes_through_and_its_success_closes_the_breaker() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1));
        fail(b);
        clock.advance(Duration.ofSeconds(59));
        assertThat(acquire(b).permitted()).isFalse();
        assertThat(b.state(clock.now())).isEqualTo(State.OPEN);
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.state(clock.now())).isEqualTo(State.HALF_OPEN);
        Permit trial = acquire(b);
        assertThat(trial.trial()).isTrue();
        assertThat(transitions).extracting(Transition::to).containsExactly(State.HALF_OPEN);
        assertThat(acquire(b).permitted()).as("only one trial at a time").isFalse();
        Transition closed = b.onSuccess(trial, clock.now(), Duration.ofMillis(10)).orElseThrow();
        assertThat(closed.to()).isEqualTo(State.CLOSED);
        assertThat(acquire(b)).isEqualTo(Permit.NORMAL);
    }

    @Test
    void a_trial_that_hangs_until_its_timeout_reopens_the_breaker_for_longer_when_the_policy_grows() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1)
                .withOpen(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(30)));
        fail(b);
        clock.advance(Duration.ofSeconds(10));
        Permit trial = acquire(b);
        clock.advance(Duration.ofSeconds(5)); // the trial hangs; nothing else gets through meanwhile
        assertThat(acquire(b).permitted()).isFalse();
        Transition reopened = b.onFailure(trial, clock.now(), ErrorClass.TRANSIENT, "timed out after 5s").orElseThrow();
        assertThat(reopened.from()).isEqualTo(State.HALF_OPEN);
        assertThat(reopened.openUntil()).isEqualTo(clock.now().plusSeconds(20));
        assertThat(reopened.reason()).contains("timed out");
        clock.advance(Duration.ofSeconds(20));
        Permit second = acquire(b);
        b.onFailure(second, clock.now(), ErrorClass.TRANSIENT, "down");
        assertThat(b.openUntil()).as("capped at 30s").isEqualTo(clock.now().plusSeconds(30));
        clock.advance(Duration.ofSeconds(30));
        b.onSuccess(acquire(b), clock.now(), Duration.ZERO);
        fail(b);
        assertThat(b.openUntil()).as("a close resets the growth").isEqualTo(clock.now().plusSeconds(10));
    }

    @Test
    void several_trials_must_all_succeed() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1).withTrials(2));
        fail(b);
        clock.advance(Duration.ofMinutes(1));
        Permit t1 = acquire(b);
        Permit t2 = acquire(b);
        assertThat(acquire(b).permitted()).isFalse();
        assertThat(b.onSuccess(t1, clock.now(), Duration.ZERO)).isEmpty();
        assertThat(b.onSuccess(t2, clock.now(), Duration.ZERO).orElseThrow().to()).isEqualTo(State.CLOSED);
    }

    @Test
    void a_released_trial_lets_another_one_through() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1));
        fail(b);
        clock.advance(Duration.ofMinutes(1));
        Permit trial = acquire(b);
        b.release(trial);
        assertThat(acquire(b).trial()).isTrue();
    }

    @Test
    void failures_within_a_sliding_window() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.failures(3, Duration.ofSeconds(60)));
        fail(b);
        clock.advance(Duration.ofSeconds(30));
        fail(b);
        clock.advance(Duration.ofSeconds(31)); // the first failure left the window
        assertThat(fail(b)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(succeed(b)).as("successes do not reset a failure count").isEmpty();
        Transition t = fail(b).orElseThrow();
        assertThat(t.reason()).startsWith("3 failures within 1m");
    }

    @Test
    void failure_rate_needs_the_minimum_number_of_calls() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.rate(50, 4, Duration.ofSeconds(60)));
        assertThat(fail(b)).isEmpty();
        assertThat(fail(b)).isEmpty();
        assertThat(succeed(b)).isEmpty();
        Transition t = fail(b).orElseThrow(); // 3 of 4
        assertThat(t.reason()).startsWith("failure rate 75% of 4 calls");
    }

    @Test
    void slow_calls_count_as_failures() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(2).withSlow(Duration.ofSeconds(10)));
        Permit p = acquire(b);
        assertThat(b.onSuccess(p, clock.now(), Duration.ofSeconds(11))).isEmpty();
        Transition t = b.onSuccess(acquire(b), clock.now(), Duration.ofSeconds(12)).orElseThrow();
        assertThat(t.reason()).contains("slow call");
    }

    @Test
    void error_classes_not_counted_are_neutral() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(2).withCounted(Set.of(ErrorClass.TRANSIENT)));
        fail(b);
        Permit p = acquire(b);
        assertThat(b.onFailure(p, clock.now(), ErrorClass.PERMANENT, "bad input")).isEmpty();
        assertThat(fail(b)).isPresent();
    }

    @Test
    void a_late_result_of_a_call_let_through_before_opening_changes_nothing() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1));
        Permit early = acquire(b);
        fail(b);
        assertThat(b.onFailure(early, clock.now(), ErrorClass.TRANSIENT, "late")).isEmpty();
        assertThat(b.onSuccess(early, clock.now(), Duration.ZERO)).isEmpty();
        assertThat(b.state(clock.now())).isEqualTo(State.OPEN);
    }

    @Test
    void reset_by_hand_and_restore_from_a_snapshot() {
        CircuitBreaker b = new CircuitBreaker("s", BreakerPolicy.consecutive(1));
        fail(b);
        CircuitBreaker restored = CircuitBreaker.restore("s", b.policy(), b.snapshot());
        assertThat(restored.state(clock.now())).isEqualTo(State.OPEN);
        assertThat(restored.openUntil()).isEqualTo(b.openUntil());
        assertThat(restored.reset(clock.now()).orElseThrow().to()).isEqualTo(State.CLOSED);
        assertThat(restored.reset(clock.now())).isEmpty();
    }

    @Test
    void policies_parse_from_the_command_line_and_print_back() {
        assertThat(BreakerPolicy.parse("consecutive=3")).hasToString("consecutive=3");
        assertThat(BreakerPolicy.parse("failures=3,window=60s")).hasToString("failures=3,window=1m");
        assertThat(BreakerPolicy.parse("rate=50%,min-calls=20,window=60s,slow=10s"))
                .hasToString("rate=50%,min-calls=20,window=1m,slow=10s");
        assertThatThrownBy(() -> BreakerPolicy.parse("consecutive=three")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("'three'");
        assertThatThrownBy(() -> BreakerPolicy.parse("failures=3")).hasMessageContaining("needs window=DURATION");
        assertThatThrownBy(() -> BreakerPolicy.parse("consecutive=3,colour=red")).hasMessageContaining("colour");
        assertThatThrownBy(() -> BreakerPolicy.parse("rate=50")).hasMessageContaining("percentage like 50%");
        assertThatThrownBy(() -> BreakerPolicy.parse("consecutive=0")).hasMessageContaining("between 1 and 1000000, but was 0");
    }
}
