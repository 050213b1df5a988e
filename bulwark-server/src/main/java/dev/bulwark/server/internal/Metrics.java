package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics, fed by engine events: items by outcome, attempt durations,
 * retries, breaker transitions, the depth of the job queue, and the state of every breaker of a
 * job that runs or is halted (read when scraped). Thread-safe.
 */
public final class Metrics implements JobListener {
    /** Values of {@code bulwark_breaker_state}. */
    static final double CLOSED = 0;
    static final double HALF_OPEN = 1;
    static final double OPEN = 2;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer attempts;
    private final Counter retries;
    private final MultiGauge breakerStates;
    private final Supplier<List<JobService.JobBreaker>> openBreakers;
    private final Supplier<Collection<UUID>> activeJobs;
    /** Scopes whose breaker changed while their job ran here: they show as closed (0) once they close. */
    private final Map<UUID, Set<String>> seenScopes = new ConcurrentHashMap<>();

    /**
     * @param openBreakers the breakers that are not closed, of every service job
     * @param activeJobs   the jobs running now
     */
    public Metrics(WorkerPool pool, Supplier<List<JobService.JobBreaker>> openBreakers, Supplier<Collection<UUID>> activeJobs) {
        this.openBreakers = openBreakers;
        this.activeJobs = activeJobs;
        attempts = Timer.builder("bulwark.attempt.duration").description("Duration of finished attempts")
                .publishPercentileHistogram().register(registry);
        retries = Counter.builder("bulwark.retries").description("Retries scheduled after transient failures").register(registry);
        Gauge.builder("bulwark.queue.waiting", pool, p -> p.depth()[0]).description("Jobs waiting for a worker").register(registry);
        Gauge.builder("bulwark.queue.running", pool, p -> p.depth()[1]).description("Jobs running").register(registry);
        breakerStates = MultiGauge.builder("bulwark.breaker.state")
                .description("Circuit breaker of a job's scope: 0 closed, 1 half-open, 2 open").register(registry);
    }

    @Override
    public void onEvent(EngineEvent event) {
        if (BreakerStatus.isBreakerEvent(event)) {
            String to = String.valueOf(event.data().get("to")).toLowerCase(java.util.Locale.ROOT);
            count("bulwark.breaker.transitions", "to", to, "Circuit breaker transitions, by the state entered");
            if (event.data().get("scope") instanceof String scope) {
                seenScopes.computeIfAbsent(event.jobId(), id -> ConcurrentHashMap.newKeySet()).add(scope);
            }
            return;
        }
        String outcome = switch (event.type()) {
            case EngineEvent.ITEM_SUCCEEDED -> "succeeded";
            case EngineEvent.ITEM_FAILED -> "failed";
            case EngineEvent.ITEM_RETRY_SCHEDULED -> "retry";
            case EngineEvent.ITEM_INTERRUPTED -> "interrupted";
            default -> null;
        };
        if (outcome == null) {
            return;
        }
        count("bulwark.items", "outcome", outcome, "Attempts that ended, by outcome (final or not)");
        if (event.data().get("duration_ms") instanceof Number ms) {
            attempts.record(Duration.ofMillis(ms.longValue()));
        }
        if (outcome.equals("retry")) {
            retries.increment();
        }
    }

    private void count(String name, String tag, String value, String description) {
        counters.computeIfAbsent(name + "\n" + value, k -> Counter.builder(name).tag(tag, value)
                .description(description).register(registry)).increment();
    }

    /** The metrics in the Prometheus text format. */
    public String scrape() {
        refreshBreakers();
        return registry.scrape();
    }

    /** One row per breaker that is not closed, and a 0 for each scope that closed again in a job still running. */
    private void refreshBreakers() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        Set<String> shown = new HashSet<>();
        for (JobService.JobBreaker jb : openBreakers.get()) {
            String job = jb.job().id().toString();
            double value = jb.breaker().state() == CircuitBreaker.State.OPEN ? OPEN : HALF_OPEN;
            rows.add(MultiGauge.Row.of(Tags.of("job", job, "scope", jb.breaker().scope()), value));
            shown.add(job + "\n" + jb.breaker().scope());
        }
        Collection<UUID> active = activeJobs.get();
        seenScopes.keySet().retainAll(active);
        seenScopes.forEach((id, scopes) -> scopes.forEach(scope -> {
            if (!shown.contains(id + "\n" + scope)) {
                rows.add(MultiGauge.Row.of(Tags.of("job", id.toString(), "scope", scope), CLOSED));
            }
        }));
        breakerStates.register(rows, true);
    }
}
