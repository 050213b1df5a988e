package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The service's Prometheus metrics, fed by engine events: items by outcome, attempt durations,
 * retries, and the depth of the job queue. Thread-safe.
 */
public final class Metrics implements JobListener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Timer attempts;
    private final Counter retries;

    public Metrics(WorkerPool pool) {
        attempts = Timer.builder("bulwark.attempt.duration").description("Duration of finished attempts")
                .publishPercentileHistogram().register(registry);
        retries = Counter.builder("bulwark.retries").description("Retries scheduled after transient failures").register(registry);
        Gauge.builder("bulwark.queue.waiting", pool, p -> p.depth()[0]).description("Jobs waiting for a worker").register(registry);
        Gauge.builder("bulwark.queue.running", pool, p -> p.depth()[1]).description("Jobs running").register(registry);
    }

    @Override
    public void onEvent(EngineEvent event) {
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
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("bulwark.items").tag("outcome", o)
                .description("Attempts that ended, by outcome (final or not)").register(registry)).increment();
        if (event.data().get("duration_ms") instanceof Number ms) {
            attempts.record(Duration.ofMillis(ms.longValue()));
        }
        if (outcome.equals("retry")) {
            retries.increment();
        }
    }

    /** The metrics in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }
}
