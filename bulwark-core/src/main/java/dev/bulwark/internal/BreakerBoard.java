package dev.bulwark.internal;

import dev.bulwark.ErrorClass;
import dev.bulwark.breaker.Breaker;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerStore;
import dev.bulwark.breaker.StoredBreaker;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.ScopeFilter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The circuit breakers of one running job, one per scope, created when a scope is first seen:
 * its own, or with {@link BreakerConfig#shared()} the ledger's shared breakers named after the
 * scopes ({@link StoredBreaker}), whose state other jobs and processes change too (so the scopes
 * that are not closed are read again from the store at every claim).
 * The dispatcher asks it which scopes to leave out of a claim and which half-open scopes may
 * send a trial call; attempts report their outcome to it. Every transition goes to the
 * {@code transitions} consumer (the runner turns them into ledger events). Thread-safe.
 */
final class BreakerBoard {
    private final BreakerConfig config;
    private final Consumer<CircuitBreaker.Transition> transitions;
    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
    /** The ledger's shared breakers, or null when the job keeps its own. */
    private final BreakerStore store;
    /** Shared breakers only: the scopes this job asked to call (the others on the ledger are not its to show). */
    private final Set<String> used = ConcurrentHashMap.newKeySet();
    /** Scopes whose breaker is not CLOSED (as of its last transition): the only ones worth looking at. */
    private final Set<String> troubled = ConcurrentHashMap.newKeySet();
    /** The last real failure (category and message) seen per scope, for items its open breaker fails. */
    private final Map<String, String> lastFailures = new ConcurrentHashMap<>();

    BreakerBoard(BreakerConfig config, BreakerStore store, Consumer<CircuitBreaker.Transition> transitions) {
        this.config = config;
        this.store = config.shared() ? java.util.Objects.requireNonNull(store, "store") : null;
        this.transitions = t -> {
            if (t.to() == CircuitBreaker.State.CLOSED) {
                troubled.remove(t.scope());
            } else {
                troubled.add(t.scope());
            }
            transitions.accept(t);
        };
    }

    BreakerConfig config() {
        return config;
    }

    /**
     * Restores the breakers a previous run left open or half-open (shared breakers: as the store
     * has them now, whatever this job's events say).
     */
    void restore(List<BreakerStatus> saved, Instant now) {
        if (store != null) {
            refresh(now);
            return;
        }
        for (BreakerStatus s : saved) {
            if (s.state() != CircuitBreaker.State.CLOSED) {
                breakers.put(s.scope(), CircuitBreaker.restore(s.scope(), config.policy(), s.snapshot()));
                if (s.reason() != null) {
                    lastFailures.putIfAbsent(s.scope(), s.reason());
                }
                troubled.add(s.scope());
            }
        }
    }

    private Breaker breaker(String scope) {
        return breakers.computeIfAbsent(scope, s -> store != null ? new StoredBreaker(store, s, config.policy())
                : new CircuitBreaker(s, config.policy()));
    }

    /** Shared breakers only: the scopes not closed, as the store has them now (other jobs and processes change them). */
    private void refresh(Instant now) {
        Set<String> current = new HashSet<>();
        for (BreakerStore.SharedBreaker b : store.list()) {
            if (b.state().state() != CircuitBreaker.State.CLOSED) {
                current.add(b.name());
                if (b.reason() != null) {
                    lastFailures.putIfAbsent(b.name(), b.reason());
                }
            }
        }
        troubled.retainAll(current);
        troubled.addAll(current);
    }

    /** Scopes a normal claim leaves out: every scope whose breaker is not closed (pause mode only). */
    ScopeFilter claimFilter(Instant now) {
        if (store != null) {
            refresh(now);
        }
        if (config.onOpen() != BreakerConfig.OnOpen.PAUSE || troubled.isEmpty()) {
            return ScopeFilter.ALL;
        }
        return ScopeFilter.skipping(Set.copyOf(troubled));
    }

    /** Half-open scopes (or open ones whose time passed) with trial calls to send, and how many (pause mode only). */
    Map<String, Integer> trialsDue(Instant now) {
        if (config.onOpen() != BreakerConfig.OnOpen.PAUSE || troubled.isEmpty()) {
            return Map.of();
        }
        Map<String, Integer> due = new java.util.LinkedHashMap<>();
        for (String scope : troubled) {
            int n = breaker(scope).trialsAvailable(now);
            if (n > 0) {
                due.put(scope, n);
            }
        }
        return due;
    }

    /** The earliest time an open breaker lets a trial through, if any is open (never for one open until reset). */
    Optional<Instant> nextTrialAt() {
        Instant earliest = null;
        for (String scope : troubled) {
            Instant until = breaker(scope).openUntil();
            if (until != null && !BreakerState.untilReset(until) && (earliest == null || until.isBefore(earliest))) {
                earliest = until;
            }
        }
        return Optional.ofNullable(earliest);
    }

    /** Whether any scope's breaker is not closed. */
    boolean anyTroubled() {
        return !troubled.isEmpty();
    }

    CircuitBreaker.Permit acquire(String scope, Instant now) {
        used.add(scope);
        return breaker(scope).tryAcquire(now, transitions);
    }

    void succeeded(String scope, CircuitBreaker.Permit permit, Instant now, Duration took) {
        breaker(scope).onSuccess(permit, now, took).ifPresent(transitions);
    }

    void failed(String scope, CircuitBreaker.Permit permit, Instant now, ErrorClass errorClass, String category, String reason) {
        lastFailures.put(scope, reason);
        breaker(scope).onFailure(permit, now, errorClass, category, reason).ifPresent(transitions);
    }

    /** The last real failure of an attempt in {@code scope} (or what opened its breaker before a resume), if any. */
    Optional<String> lastFailure(String scope) {
        return Optional.ofNullable(lastFailures.get(scope));
    }

    void release(String scope, CircuitBreaker.Permit permit) {
        breaker(scope).release(permit);
    }

    /** Whether the breakers are the ledger's shared ones. */
    boolean shared() {
        return store != null;
    }

    /** Closes a scope's breaker by hand; false when it was closed already. */
    boolean reset(String scope, Instant now) {
        Optional<CircuitBreaker.Transition> t = breaker(scope).reset(now);
        t.ifPresent(transitions);
        return t.isPresent();
    }

    /** The breakers that are not closed, as of {@code now}. */
    List<BreakerStatus> open(Instant now) {
        List<BreakerStatus> out = new ArrayList<>();
        for (String scope : new HashSet<>(troubled)) {
            if (store != null && !used.contains(scope)) {
                continue; // a shared breaker this job has not used
            }
            Breaker b = breaker(scope);
            CircuitBreaker.Snapshot s = b.snapshot();
            CircuitBreaker.State state = b.state(now);
            if (state != CircuitBreaker.State.CLOSED) {
                out.add(new BreakerStatus(scope, state, s.openedAt(), state == CircuitBreaker.State.OPEN ? s.openUntil() : null,
                        s.reopens(), null));
            }
        }
        out.sort(java.util.Comparator.comparing(BreakerStatus::scope));
        return out;
    }

    CircuitBreaker.Snapshot snapshot(String scope) {
        return breaker(scope).snapshot();
    }
}
