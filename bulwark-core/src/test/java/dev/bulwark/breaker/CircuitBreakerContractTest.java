package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.CircuitBreaker.Permit;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The breaker contract on the in-process breaker. */
class CircuitBreakerContractTest extends BreakerContract {
    /** A call let through while the breaker was closed. */
    private static final Permit CALL = new Permit(true, false, null);

    @Override
    protected Breaker newBreaker(BreakerPolicy policy) {
        CircuitBreaker breaker = new CircuitBreaker("host-a", policy);
        Trial closedCall = call(breaker, CALL, Optional.empty());
        return new Breaker() {
            @Override
            public Optional<Transition> succeed(Instant at, Duration took) {
                return closedCall.succeed(at, took);
            }

            @Override
            public Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason) {
                return closedCall.fail(at, errorClass, reason);
            }

            @Override
            public State state() {
                return breaker.current().state();
            }

            @Override
            public Optional<Trial> trial(Instant at) {
                List<Transition> transitions = new ArrayList<>();
                Permit permit = breaker.tryAcquire(at, transitions::add);
                return permit.trial() ? Optional.of(call(breaker, permit, transitions.stream().findFirst())) : Optional.empty();
            }
        };
    }

    /** The outcomes of a call let through with {@code permit}. */
    private static Trial call(CircuitBreaker breaker, Permit permit, Optional<Transition> transition) {
        return new Trial() {
            @Override
            public Optional<Transition> transition() {
                return transition;
            }

            @Override
            public Optional<Transition> succeed(Instant at, Duration took) {
                return breaker.onSuccess(permit, at, took);
            }

            @Override
            public Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason) {
                return breaker.onFailure(permit, at, errorClass, reason);
            }
        };
    }
}
