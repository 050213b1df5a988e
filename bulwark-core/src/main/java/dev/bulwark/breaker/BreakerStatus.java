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

    public static final String OPENED = "breaker_opened";
    public static final String HALF_OPEN = "breaker_half_open";
    public static final String CLOSED = "breaker_closed";

    public BreakerStatus {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(state, "state");
    }

    /** The event type of a transition to {@code to}. */
    public static String eventType(CircuitBreaker.State to) {
        return switch (to) {
            case OPEN -> OPENED;
            case HALF_OPEN -> HALF_OPEN;
            case CLOSED -> CLOSED;
        };
    }

    /** Whether an event is a breaker transition. */
    public static boolean isBreakerEvent(EngineEvent e) {
        return OPENED.equals(e.type()) || HALF_OPEN.equals(e.type()) || CLOSED.equals(e.type());
    }

    /** The event data of a transition. */
    public static Map<String, Object> eventData(CircuitBreaker.Transition t, int reopens) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("scope", t.scope());
        data.put("from", t.from().name());
        data.put("to", t.to().name());
        if (t.openUntil() != null) {
            data.put("open_until", t.openUntil().toString());
        }
        data.put("reopens", reopens);
        data.put("reason", t.reason());
        return data;
    }

    /** The latest state of every scope named in {@code events} (oldest first), in order of first appearance. */
    public static List<BreakerStatus> latest(List<EngineEvent> events) {
        Map<String, BreakerStatus> byScope = new LinkedHashMap<>();
        for (EngineEvent e : events) {
            if (!isBreakerEvent(e) || !(e.data().get("scope") instanceof String scope)) {
                continue;
            }
            CircuitBreaker.State to;
            try {
                to = CircuitBreaker.State.valueOf(String.valueOf(e.data().get("to")));
            } catch (IllegalArgumentException ignored) {
                continue; // not written by this version: leave the scope as it was
            }
            Object until = e.data().get("open_until");
            Object reopens = e.data().get("reopens");
            byScope.put(scope, new BreakerStatus(scope, to, e.at(), until == null ? null : Instant.parse(until.toString()),
                    reopens instanceof Number n ? n.intValue() : 0, e.data().get("reason") == null ? null
                    : e.data().get("reason").toString()));
        }
        return new ArrayList<>(byScope.values());
    }

    /** The snapshot a breaker is restored from. */
    public CircuitBreaker.Snapshot snapshot() {
        return new CircuitBreaker.Snapshot(state, state == CircuitBreaker.State.CLOSED ? null : since,
                state == CircuitBreaker.State.OPEN ? openUntil : since, reopens);
    }
}
