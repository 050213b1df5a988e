package dev.bulwark.breaker;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the named, shared circuit breakers of a ledger are kept ({@code --breaker-shared},
 * {@link NamedBreaker}): one {@link SharedBreaker} per name, holding its policy and its
 * {@link BreakerState}, changed atomically by {@link #update}. Every transition is kept as an
 * event of the breaker ({@link #events}). The memory ledger keeps them in process
 * ({@link MemoryBreakerStore}); the SQLite and PostgreSQL ledgers in tables of their own, so every
 * job and process on that ledger shares them and they survive restarts.
 *
 * <p>A breaker is created by its first use, with the policy that use names; it keeps that policy
 * until it is {@linkplain #delete deleted}. A later use naming another policy gets the kept one
 * (see {@link SharedBreaker#policy()}): two jobs can never disagree about when one target is down.
 * Thread-safe.
 */
public interface BreakerStore {

    /** A change of one breaker: from its state and kept policy to the next state, a transition, and a value to return. */
    @FunctionalInterface
    interface Change<T> {
        Result<T> apply(SharedBreaker current);
    }

    /** What a {@link Change} decided: the state to keep, the transition to record (if any), and the caller's value. */
    record Result<T>(BreakerState state, Optional<CircuitBreaker.Transition> transition, T value) {
    }

    /**
     * Applies {@code change} to the breaker {@code name} atomically (across processes, for a
     * ledger's store), creating it CLOSED with {@code policy} first if it does not exist; records
     * the transition, if any, as an event; returns the change's value.
     */
    <T> T update(String name, BreakerPolicy policy, Change<T> change);

    /** The breaker {@code name}, if it exists. */
    Optional<SharedBreaker> find(String name);

    /** Every breaker of the store, by name. */
    List<SharedBreaker> list();

    /** The latest {@code limit} transitions of {@code name}, oldest first, as {@link BreakerStatus}es of each. */
    List<BreakerStatus> events(String name, int limit);

    /** Forgets the breaker {@code name} (its next use creates it afresh, with that use's policy); false when there was none. */
    boolean delete(String name);

    /**
     * Closes the breaker {@code name} by hand at {@code now}, with a transition event; false when it
     * was closed. Jobs waiting on it, in any process, send its items again at their next look.
     *
     * @throws dev.bulwark.NotFoundException when there is no breaker of that name
     */
    default boolean reset(String name, Instant now) {
        SharedBreaker b = find(name).orElseThrow(() -> new dev.bulwark.NotFoundException("the ledger has no shared breaker named '"
                + name + "' (bulwark breaker list shows them)"));
        return new StoredBreaker(this, name, b.policy()).reset(now).isPresent();
    }

    /**
     * Opens the breaker {@code name} by hand (maintenance) at {@code now} until {@code until}
     * ({@link BreakerState#UNTIL_RESET}: until reset), creating it with {@code policy} if there is
     * none (null: it must exist).
     *
     * @throws dev.bulwark.NotFoundException when there is no breaker of that name and no policy to create it with
     */
    default void forceOpen(String name, BreakerPolicy policy, Instant now, Instant until, String reason) {
        BreakerPolicy p = policy != null ? policy : find(name).map(SharedBreaker::policy).orElseThrow(() ->
                new dev.bulwark.NotFoundException("the ledger has no shared breaker named '" + name + "'; give its policy "
                        + "(--breaker SPEC) to create it open"));
        new StoredBreaker(this, name, p).forceOpen(now, until, reason == null || reason.isBlank() ? "opened by hand" : reason);
    }

    /**
     * One shared breaker as the store keeps it.
     *
     * @param name   its name
     * @param policy the policy it was created with
     * @param state  everything it knows
     * @param since  when it last changed state, or null when it never did
     * @param reason why it last changed state, or null
     */
    record SharedBreaker(String name, BreakerPolicy policy, BreakerState state, Instant since, String reason) {
        /** Its state as {@code bulwark breaker list} shows it. */
        public BreakerStatus status(Instant now) {
            CircuitBreaker.State at = state.stateAt(now);
            return new BreakerStatus(name, at, since, at == CircuitBreaker.State.OPEN ? state.openUntil() : null,
                    state.reopens(), reason);
        }
    }
}
