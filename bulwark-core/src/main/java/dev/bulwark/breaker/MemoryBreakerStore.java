package dev.bulwark.breaker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link BreakerStore} in this process: the memory ledger's shared breakers, or named breakers
 * for an application that wants only in-process breakers around its calls. Thread-safe.
 */
public final class MemoryBreakerStore implements BreakerStore {
    private static final int MAX_EVENTS = 1_000;

    private final Map<String, SharedBreaker> breakers = new HashMap<>();
    private final Map<String, List<BreakerStatus>> events = new HashMap<>();

    @Override
    public synchronized <T> T update(String name, BreakerPolicy policy, Change<T> change) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        SharedBreaker found = breakers.get(name);
        SharedBreaker current = found != null ? found : new SharedBreaker(name, policy, BreakerState.CLOSED, null, null);
        Result<T> result = change.apply(current);
        SharedBreaker next = result.transition()
                .map(t -> new SharedBreaker(name, current.policy(), result.state(), t.at(), t.reason()))
                .orElseGet(() -> new SharedBreaker(name, current.policy(), result.state(), current.since(), current.reason()));
        result.transition().ifPresent(t -> {
            List<BreakerStatus> list = events.computeIfAbsent(name, n -> new ArrayList<>());
            list.add(new BreakerStatus(name, t.to(), t.at(), t.openUntil(), result.state().reopens(), t.reason()));
            if (list.size() > MAX_EVENTS) {
                list.remove(0);
            }
        });
        breakers.put(name, next);
        return result.value();
    }

    @Override
    public synchronized Optional<SharedBreaker> find(String name) {
        return Optional.ofNullable(breakers.get(name));
    }

    @Override
    public synchronized List<SharedBreaker> list() {
        List<SharedBreaker> all = new ArrayList<>(breakers.values());
        all.sort(Comparator.comparing(SharedBreaker::name));
        return all;
    }

    @Override
    public synchronized List<BreakerStatus> events(String name, int limit) {
        List<BreakerStatus> list = events.getOrDefault(name, List.of());
        return List.copyOf(list.subList(Math.max(0, list.size() - limit), list.size()));
    }

    @Override
    public synchronized boolean delete(String name) {
        events.remove(name);
        return breakers.remove(name) != null;
    }
}
