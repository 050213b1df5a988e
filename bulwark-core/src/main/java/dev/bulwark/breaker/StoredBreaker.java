package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.BreakerStore.Result;
import dev.bulwark.breaker.BreakerStore.SharedBreaker;
import dev.bulwark.breaker.CircuitBreaker.Permit;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A shared breaker of a {@link BreakerStore}: every call reads and changes the state kept in the
 * store, atomically, by the {@link BreakerRules}, so every job, direct call and process using the
 * store and name sees and trips the same breaker. The policy is the one kept with the breaker
 * (its creator's); {@code policy} is used only to create it.
 *
 * <p>Reads come first: a call while the breaker is closed, and an outcome that changes nothing,
 * cost one read and no write.
 *
 * <p>A trial call whose process died would keep the breaker half-open for ever; a half-open
 * breaker whose trials are all in flight for longer than its open time counts them as lost and
 * lets a new trial through. Thread-safe.
 */
public final class StoredBreaker implements Breaker {
    private final BreakerStore store;
    private final String name;
    private final BreakerPolicy policy;

    public StoredBreaker(BreakerStore store, String name, BreakerPolicy policy) {
        this.store = Objects.requireNonNull(store, "store");
        this.name = Objects.requireNonNull(name, "name");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public String scope() {
        return name;
    }

    @Override
    public BreakerPolicy policy() {
        return store.find(name).map(SharedBreaker::policy).orElse(policy);
    }

    private BreakerState current() {
        return store.find(name).map(SharedBreaker::state).orElse(BreakerState.CLOSED);
    }

    @Override
    public State state(Instant now) {
        return current().stateAt(now);
    }

    @Override
    public CircuitBreaker.Snapshot snapshot() {
        BreakerState s = current();
        return new CircuitBreaker.Snapshot(s.state(), s.openedAt(), s.openUntil(), s.reopens());
    }

    @Override
    public int trialsAvailable(Instant now) {
        return store.find(name).map(b -> BreakerRules.trialsAvailable(recovered(b, now), b.policy(), now)).orElse(0);
    }

    @Override
    public Instant openUntil() {
        BreakerState s = current();
        return s.state() == State.OPEN ? s.openUntil() : null;
    }

    @Override
    public Permit tryAcquire(Instant now, Consumer<Transition> transitions) {
        Optional<SharedBreaker> seen = store.find(name);
        if (seen.isEmpty()) { // created by its first use, with this use's policy
            store.update(name, policy, b -> new Result<>(b.state(), Optional.empty(), null));
            return Permit.NORMAL;
        }
        if (seen.get().state().state() == State.CLOSED) {
            return Permit.NORMAL; // a read is enough: a closed breaker lets the call through without a change
        }
        BreakerRules.Acquired acquired = store.update(name, policy, b -> {
            BreakerRules.Acquired a = BreakerRules.acquire(name, recovered(b, now), b.policy(), now);
            return new Result<>(a.state(), a.transition(), a);
        });
        acquired.transition().ifPresent(transitions);
        return acquired.permit();
    }

    @Override
    public Optional<Transition> onSuccess(Permit permit, Instant now, Duration took) {
        return step(b -> BreakerRules.succeeded(name, b.state(), b.policy(), now, permit.trial(), took));
    }

    @Override
    public Optional<Transition> onFailure(Permit permit, Instant now, ErrorClass errorClass, String category, String reason) {
        return step(b -> BreakerRules.failed(name, b.state(), b.policy(), now, permit.trial(), errorClass, category, reason));
    }

    @Override
    public void release(Permit permit) {
        if (permit.trial()) {
            step(b -> BreakerRules.Step.stay(BreakerRules.release(b.state(), true)));
        }
    }

    @Override
    public Optional<Transition> reset(Instant now) {
        return step(b -> BreakerRules.reset(name, b.state(), now));
    }

    @Override
    public Optional<Transition> forceOpen(Instant now, Instant until, String reason) {
        return step(b -> BreakerRules.forceOpen(name, b.state(), now, until, reason));
    }

    /**
     * Applies {@code rule} in one atomic update of the store; when the state as just read would
     * not change, nothing is written (the call is then ordered at that read).
     */
    private Optional<Transition> step(java.util.function.Function<SharedBreaker, BreakerRules.Step> rule) {
        SharedBreaker seen = store.find(name).orElse(new SharedBreaker(name, policy, BreakerState.CLOSED, null, null));
        BreakerRules.Step dry = rule.apply(seen);
        if (dry.transition().isEmpty() && dry.state().equals(seen.state())) {
            return Optional.empty();
        }
        return store.update(name, policy, b -> {
            BreakerRules.Step step = rule.apply(b);
            return new Result<>(step.state(), step.transition(), step.transition());
        });
    }

    /** The state, with the trials of a half-open breaker counted as lost once they are in flight longer than the open time. */
    public static BreakerState recovered(SharedBreaker b, Instant now) {
        BreakerState s = b.state();
        if (s.state() == State.HALF_OPEN && s.trialsInFlight() > 0 && b.since() != null
                && !now.isBefore(b.since().plus(b.policy().openFor()))) {
            return s.withTrials(0, s.trialsSucceeded());
        }
        return s;
    }

    @Override
    public String toString() {
        return "StoredBreaker[" + name + "]";
    }
}
