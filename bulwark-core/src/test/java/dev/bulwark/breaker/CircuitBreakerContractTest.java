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
        return new Breaker() {
            @Override
            public Optional<Transition> succeed(Instant at, Duration took) {
                return breaker.onSuccess(CALL, at, took);
            }

            @Override
            public Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason) {
                return breaker.onFailure(CALL, at, errorClass, reason);
            }

            @Override
            public State state() {
                return breaker.current().state();
            }

            @Override
            public Optional<Trial> trial(Instant at) {
                List<Transition> transitions = new ArrayList<>();
                Permit permit = breaker.tryAcquire(at, transitions::add);
                if (!permit.trial()) {
                    return Optional.empty();
                }
                return Optional.of(new Trial() {
                    @Override
                    public Optional<Transition> transition() {
                        return transitions.stream().findFirst();
                    }

                    @Override
                    public Optional<Transition> succeed(Instant when, Duration took) {
                        return breaker.onSuccess(permit, when, took);
                    }

                    @Override
                    public Optional<Transition> fail(Instant when, ErrorClass errorClass, String reason) {
                        return breaker.onFailure(permit, when, errorClass, reason);
                    }
                });
            }
        };
    }
}
