package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics, fed by engine events: items by outcome, attempt durations,
 * retries, breaker transitions, the depth of the job queue, and how many breakers of the jobs that
 * run or are halted are open or half-open (counted when scraped). Labels carry no tenant data (no
 * job ids, keys or scopes): one tenant's admin token scrapes every tenant's work. Thread-safe.
 */
public final class Metrics implements JobListener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Timer attempts;
    private final Counter retries;
    private final Supplier<List<JobService.JobBreaker>> openBreakers;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger halfOpen = new AtomicInteger();

    /** @param openBreakers the breakers that are not closed, of every service job */
    public Metrics(WorkerPool pool, Supplier<List<JobService.JobBreaker>> openBreakers) {
        this.openBreakers = openBreakers;
        attempts = Timer.builder("bulwark.attempt.duration").description("Duration of finished attempts")
                .publishPercentileHistogram().register(registry);
        retries = Counter.builder("bulwark.retries").description("Retries scheduled after transient failures").register(registry);
        Gauge.builder("bulwark.queue.waiting", pool, p -> p.depth()[0]).description("Jobs waiting for a worker").register(registry);
        Gauge.builder("bulwark.queue.running", pool, p -> p.depth()[1]).description("Jobs running").register(registry);
        String breakers = "Circuit breakers of the service's jobs that are not closed, by state";
        Gauge.builder("bulwark.breakers", open, AtomicInteger::get).tag("state", "open").description(breakers).register(registry);
        Gauge.builder("bulwark.breakers", halfOpen, AtomicInteger::get).tag("state", "half_open").description(breakers).register(registry);
    }

    @Override
    public void onEvent(EngineEvent event) {
        if (BreakerStatus.isBreakerEvent(event)) {
            String to = String.valueOf(event.data().get("to")).toLowerCase(java.util.Locale.ROOT);
            count("bulwark.breaker.transitions", "to", to, "Circuit breaker transitions, by the state entered");
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

    /** Counts the breakers that are not closed, by state. */
    private void refreshBreakers() {
        int o = 0;
        int h = 0;
        for (JobService.JobBreaker jb : openBreakers.get()) {
            if (jb.breaker().state() == CircuitBreaker.State.OPEN) {
                o++;
            } else {
                h++;
            }
        }
        open.set(o);
        halfOpen.set(h);
    }
}
