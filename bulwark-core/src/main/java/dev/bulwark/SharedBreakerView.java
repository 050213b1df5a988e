package dev.bulwark;

import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerStore;

import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A shared breaker as {@code bulwark breaker list}, the REST {@code /breakers} and the metrics show
 * it: its state as of now, and the jobs waiting on it (jobs with {@code --breaker-shared} that are
 * not finished, or that a breaker halted, with items of its scope not yet finished).
 *
 * @param name        the breaker's name (a scope)
 * @param state       its state now (an OPEN breaker whose time has passed shows HALF_OPEN)
 * @param since       when it last changed state, or null
 * @param openUntil   until when it stays open, or null when it is not open
 * @param untilReset  whether it stays open until reset by hand
 * @param reason      why it last changed state, or null
 * @param policy      the policy the ledger keeps for it
 * @param waitingJobs the jobs waiting on it
 */
public record SharedBreakerView(String name, CircuitBreaker.State state, Instant since, Instant openUntil, boolean untilReset,
                                String reason, BreakerPolicy policy, List<UUID> waitingJobs) {
    private static final int PAGE = 5_000;

    /** Every shared breaker of {@code ledger} as of {@code now}, by name. */
    public static List<SharedBreakerView> all(Ledger ledger, Instant now) {
        List<BreakerStore.SharedBreaker> breakers = ledger.breakers().list();
        Map<UUID, Set<String>> waitingScopes = breakers.stream().anyMatch(b -> b.state().state() != CircuitBreaker.State.CLOSED)
                ? waitingScopes(ledger) : Map.of();
        List<SharedBreakerView> out = new ArrayList<>();
        for (BreakerStore.SharedBreaker b : breakers) {
            BreakerStatus s = b.status(now);
            List<UUID> waiting = new ArrayList<>();
            if (s.state() != CircuitBreaker.State.CLOSED) {
                waitingScopes.forEach((job, scopes) -> {
                    if (scopes.contains(b.name())) {
                        waiting.add(job);
                    }
                });
            }
            out.add(new SharedBreakerView(b.name(), s.state(), b.since(), s.openUntil(), BreakerState.untilReset(s.openUntil()),
                    b.reason(), b.policy(), List.copyOf(waiting)));
        }
        return out;
    }

    /** The scopes of the unfinished items of every job that may wait on a shared breaker. */
    private static Map<UUID, Set<String>> waitingScopes(Ledger ledger) {
        Map<UUID, Set<String>> out = new LinkedHashMap<>();
        for (Job job : ledger.listJobs(JobQuery.all())) {
            BreakerConfig config = job.config().breaker();
            boolean halted = job.status() == JobStatus.FAILED && job.reason() != null && job.reason().startsWith("breaker-open");
            if (config == null || !config.shared() || (job.status().isFinal() && !halted)) {
                continue;
            }
            Set<String> scopes = new HashSet<>();
            long after = 0;
            while (true) {
                List<Item> page = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.PENDING, ItemStatus.RETRY_WAIT,
                        ItemStatus.RUNNING, ItemStatus.SKIPPED), after, PAGE));
                page.forEach(i -> scopes.add(Item.scopeOf(i.scope())));
                if (page.size() < PAGE) {
                    break;
                }
                after = page.get(page.size() - 1).seq();
            }
            out.put(job.id(), scopes);
        }
        return out;
    }

    /** This view as a JSON-ready map (REST, {@code --json}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("state", state.name());
        m.put("since", since == null ? null : since.toString());
        m.put("open_until", openUntil == null || untilReset ? null : openUntil.toString());
        m.put("until_reset", untilReset);
        m.put("reason", reason);
        m.put("policy", policy.toString());
        m.put("open", policy.describeOpen());
        m.put("counts", policy.countSpec());
        m.put("waiting_jobs", waitingJobs.stream().map(UUID::toString).toList());
        return m;
    }
}
