package dev.bulwark.breaker;

import dev.bulwark.EngineEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of one scope's breaker as the ledger knows it: the latest of its transition events
 * ({@code breaker_opened}, {@code breaker_half_open}, {@code breaker_closed}). A resumed job
 * restores its breakers from these, and {@code bulwark breaker list} shows them.
 *
 * @param scope     the scope
 * @param state     its state after the latest transition
 * @param since     when that transition happened
 * @param openUntil until when it stays open (OPEN only), else null
 * @param reopens   re-opens since it last closed (the open time grows with them)
 * @param reason    why it changed
 */
public record BreakerStatus(String scope, CircuitBreaker.State state, Instant since, Instant openUntil, int reopens,
                            String reason) {

    public static final String OPENED = EngineEvent.BREAKER_OPENED;
    public static final String HALF_OPEN = EngineEvent.BREAKER_HALF_OPEN;
    public static final String CLOSED = EngineEvent.BREAKER_CLOSED;

    public BreakerStatus {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(state, "state");
    }

    /** The latest state of every scope named in {@code events} (oldest first), in order of first appearance. */
    public static List<BreakerStatus> latest(List<EngineEvent> events) {
        Map<String, BreakerStatus> byScope = new LinkedHashMap<>();
        for (EngineEvent e : events) {
            if (e instanceof EngineEvent.BreakerEvent b) {
                byScope.put(b.scope(), of(b));
            }
        }
        return new ArrayList<>(byScope.values());
    }

    /** The state a transition left its scope's breaker in. */
    public static BreakerStatus of(EngineEvent.BreakerEvent e) {
        return switch (e) {
            case EngineEvent.BreakerOpened o -> new BreakerStatus(o.scope(), CircuitBreaker.State.OPEN, o.at(), o.openUntil(),
                    o.reopens(), o.reason());
            case EngineEvent.BreakerHalfOpen h -> new BreakerStatus(h.scope(), CircuitBreaker.State.HALF_OPEN, h.at(), null,
                    h.reopens(), h.reason());
            case EngineEvent.BreakerClosed c -> new BreakerStatus(c.scope(), CircuitBreaker.State.CLOSED, c.at(), null,
                    c.reopens(), c.reason());
        };
    }

    /** The snapshot a breaker is restored from. */
    public CircuitBreaker.Snapshot snapshot() {
        return new CircuitBreaker.Snapshot(state, state == CircuitBreaker.State.CLOSED ? null : since,
                state == CircuitBreaker.State.OPEN ? openUntil : since, reopens);
    }
}
