package dev.bulwark.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The breaker contract: the same outcomes at the same times trip a breaker at the same call,
 * wherever its state is kept. Run unchanged against the in-process {@link CircuitBreaker}
 * ({@link CircuitBreakerContractTest}) and against the breakers the PostgreSQL ledger stores in
 * rows (bulwark-jdbc). Every call here was let through while the breaker was closed: trial calls
 * are taken by claims, which differ by deployment.
 */
public abstract class BreakerContract {
    protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String SCOPE = "host-a";

    /** One breaker of scope {@code host-a} as the contract drives it: outcomes of calls, at times it picks. */
    protected interface Breaker {
        Optional<Transition> succeed(Instant at, Duration took);

        Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason);

        /** The stored state (OPEN stays OPEN until a claim or call asks for a trial). */
        State state();

        /** Asks for a trial call at {@code at}: the trial, or empty when the breaker lets none through. */
        Optional<Trial> trial(Instant at);
    }

    /** A trial call the breaker let through. */
    protected interface Trial {
        /** The transition that letting it through made (OPEN to HALF_OPEN), if any. */
        Optional<Transition> transition();

        Optional<Transition> succeed(Instant at, Duration took);

        Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason);
    }

    /** A fresh breaker with {@code policy}, of scope {@code host-a}. */
    protected abstract Breaker newBreaker(BreakerPolicy policy);

    private static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    private static Optional<Transition> fail(Breaker b, int seconds) {
        return b.fail(at(seconds), ErrorClass.TRANSIENT, "exit 1");
    }

    private static Optional<Transition> succeed(Breaker b, int seconds) {
        return b.succeed(at(seconds), Duration.ofMillis(5));
    }

    @Test
    void consecutive_failures_trip_at_the_nth_and_a_success_in_between_resets_the_count() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(3));
        assertThat(fail(b, 0)).isEmpty();
        assertThat(fail(b, 1)).isEmpty();
        assertThat(succeed(b, 2)).isEmpty();
        assertThat(fail(b, 3)).isEmpty();
        assertThat(fail(b, 4)).isEmpty();
        Transition t = fail(b, 5).orElseThrow();
        assertThat(t).isEqualTo(new Transition(SCOPE, State.CLOSED, State.OPEN, at(5), at(65),
                "3 consecutive failures; last: exit 1"));
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    @Test
    void failures_count_only_while_they_are_within_the_window() {
        Breaker b = newBreaker(BreakerPolicy.failures(3, Duration.ofSeconds(60)));
        assertThat(fail(b, 0)).isEmpty();
        assertThat(fail(b, 30)).isEmpty();
        assertThat(fail(b, 61)).as("the first failure left the window").isEmpty();
        assertThat(succeed(b, 62)).as("successes do not reset a failure count").isEmpty();
        Transition t = fail(b, 62).orElseThrow();
        assertThat(t.reason()).isEqualTo("3 failures within 1m; last: exit 1");
        assertThat(t.openUntil()).isEqualTo(at(122));
    }

    @Test
    void a_failure_rate_trips_once_the_minimum_number_of_calls_is_reached() {
        Breaker b = newBreaker(BreakerPolicy.rate(50, 4, Duration.ofSeconds(60)));
        assertThat(fail(b, 0)).isEmpty();
        assertThat(fail(b, 1)).as("100% of 2 calls, fewer than the minimum").isEmpty();
        assertThat(succeed(b, 2)).isEmpty();
        Transition t = fail(b, 3).orElseThrow();
        assertThat(t.reason()).isEqualTo("failure rate 75% of 4 calls within 1m; last: exit 1");
    }

    @Test
    void a_failure_rate_forgets_the_calls_that_left_the_window() {
        Breaker b = newBreaker(BreakerPolicy.rate(50, 4, Duration.ofSeconds(60)));
        assertThat(fail(b, 0)).isEmpty();
        assertThat(fail(b, 1)).isEmpty();
        assertThat(fail(b, 2)).isEmpty();
        assertThat(succeed(b, 70)).isEmpty();
        assertThat(fail(b, 70)).as("2 calls in the window: the three old failures are gone").isEmpty();
        assertThat(succeed(b, 71)).isEmpty();
        assertThat(succeed(b, 72)).isEmpty();
        assertThat(fail(b, 73)).as("2 of 5 calls").isEmpty();
        Transition t = fail(b, 74).orElseThrow();
        assertThat(t.reason()).isEqualTo("failure rate 50% of 6 calls within 1m; last: exit 1");
    }

    @Test
    void slow_calls_count_as_failures() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(2).withSlow(Duration.ofSeconds(10)));
        assertThat(b.succeed(at(0), Duration.ofSeconds(10))).as("as slow as allowed").isEmpty();
        assertThat(b.succeed(at(1), Duration.ofSeconds(11))).isEmpty();
        Transition t = b.succeed(at(2), Duration.ofSeconds(12)).orElseThrow();
        assertThat(t.reason()).isEqualTo("2 consecutive failures; last: slow call (12000 ms, limit 10000 ms)");
    }

    @Test
    void error_classes_the_policy_does_not_count_are_neutral() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(2).withCounted(Set.of(ErrorClass.PERMANENT)));
        assertThat(b.fail(at(0), ErrorClass.PERMANENT, "http:404")).isEmpty();
        assertThat(b.fail(at(1), ErrorClass.TRANSIENT, "timeout")).as("neither counts nor resets").isEmpty();
        assertThat(b.fail(at(2), ErrorClass.PERMANENT, "http:404")).isPresent();
    }

    @Test
    void outcomes_of_calls_let_through_before_it_opened_change_nothing() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(1));
        Transition opened = fail(b, 0).orElseThrow();
        assertThat(fail(b, 1)).isEmpty();
        assertThat(succeed(b, 2)).isEmpty();
        assertThat(b.state()).isEqualTo(State.OPEN);
        assertThat(opened.openUntil()).isEqualTo(at(60));
    }

    @Test
    void after_the_open_time_a_trial_call_goes_through_and_its_success_closes_it() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(1));
        fail(b, 0);
        assertThat(b.trial(at(59))).as("still open").isEmpty();

        Trial trial = b.trial(at(60)).orElseThrow();

        assertThat(trial.transition()).contains(new Transition(SCOPE, State.OPEN, State.HALF_OPEN, at(60), null,
                "open time passed"));
        assertThat(trial.succeed(at(61), Duration.ofMillis(5))).contains(new Transition(SCOPE, State.HALF_OPEN, State.CLOSED,
                at(61), null, "trial call succeeded"));
        assertThat(b.state()).isEqualTo(State.CLOSED);
        assertThat(fail(b, 62)).as("closed afresh: one failure trips consecutive=1 again").isPresent();
    }

    @Test
    void a_failed_trial_opens_it_again_for_longer_as_the_policy_grows_up_to_its_cap() {
        Breaker b = newBreaker(BreakerPolicy.consecutive(1).withOpen(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(30)));
        fail(b, 0);

        Transition reopened = b.trial(at(10)).orElseThrow().fail(at(15), ErrorClass.TRANSIENT, "exit 1").orElseThrow();

        assertThat(reopened).isEqualTo(new Transition(SCOPE, State.HALF_OPEN, State.OPEN, at(15), at(35),
                "trial call failed: exit 1"));
        assertThat(b.trial(at(34))).isEmpty();
        Transition capped = b.trial(at(35)).orElseThrow().fail(at(35), ErrorClass.TRANSIENT, "exit 1").orElseThrow();
        assertThat(capped.openUntil()).as("40 s, capped at 30 s").isEqualTo(at(65));
    }
}
