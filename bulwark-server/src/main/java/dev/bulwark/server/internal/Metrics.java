package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.Progress;
import dev.bulwark.metrics.BulwarkMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
 * The service's Prometheus metrics: the engine's meters ({@link BulwarkMetrics}: items by outcome,
 * attempt durations, retries, breaker transitions), JVM and process metrics, the depth of the job
 * queue, and the state of every breaker of a job that runs or is halted, labelled by job and scope
 * (read when scraped; /metrics is for administrators). Thread-safe.
 */
public final class Metrics implements JobListener {
    /** Values of {@code bulwark_breaker_state}. */
    static final double CLOSED = 0;
    static final double HALF_OPEN = 1;
    static final double OPEN = 2;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Items by outcome, attempt durations, retries, breaker transitions: the same meters as a library user's. */
    private final BulwarkMetrics engine = new BulwarkMetrics();
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
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals("bulwark.attempt.duration")
                        ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
                        : config;
            }
        });
        engine.bindTo(registry);
        // The service's process: heap, GC, threads, classes, CPU, uptime, open files.
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("bulwark.queue.waiting", pool, p -> p.depth()[0]).description("Jobs waiting for a worker").register(registry);
        Gauge.builder("bulwark.queue.running", pool, p -> p.depth()[1]).description("Jobs running").register(registry);
        breakerStates = MultiGauge.builder("bulwark.breaker.state")
                .description("Circuit breaker of a job's scope: 0 closed, 1 half-open, 2 open").register(registry);
    }

    @Override
    public void onEvent(EngineEvent event) {
        engine.onEvent(event);
        if (BreakerStatus.isBreakerEvent(event) && event.data().get("scope") instanceof String scope) {
            seenScopes.computeIfAbsent(event.jobId(), id -> ConcurrentHashMap.newKeySet()).add(scope);
        }
    }

    @Override
    public void onProgress(Progress progress) {
        engine.onProgress(progress);
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
