package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.metrics.BulwarkMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics: the engine's meters ({@link BulwarkMetrics}: items by outcome,
 * attempt durations, retries, breaker transitions), JVM and process metrics, the depth of the job
 * queue, and how many breakers of the jobs that run or are halted are open or half-open (counted
 * from the ledger when scraped). Labels carry no tenant data (no job ids, keys or scopes): one
 * tenant's admin token scrapes every tenant's work. Thread-safe.
 */
public final class Metrics implements JobListener {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Items by outcome, attempt durations, retries, breaker transitions: the same meters as a library user's. */
    private final BulwarkMetrics engine = new BulwarkMetrics();
    private final Supplier<List<JobService.JobBreaker>> openBreakers;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger halfOpen = new AtomicInteger();

    /**
     * @param openBreakers the breakers that are not closed, of every service job
     * @param shared       the ledger's shared breakers, counted by state only (their names may be tenant data)
     */
    public Metrics(WorkerPool pool, Supplier<List<JobService.JobBreaker>> openBreakers, dev.bulwark.metrics.SharedBreakerMetrics shared) {
        this.openBreakers = openBreakers;
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                return id.getName().equals("bulwark.attempt.duration")
                        ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config)
                        : config;
            }
        });
        // Registered before the engine's binder, whose gauge of the same name only sees the jobs
        // running in this process: the service counts its halted jobs' breakers too, from the ledger.
        String breakers = "Circuit breakers of the service's jobs that are not closed, by state";
        Gauge.builder("bulwark.breakers", open, AtomicInteger::get).tag("state", "open").description(breakers).register(registry);
        Gauge.builder("bulwark.breakers", halfOpen, AtomicInteger::get).tag("state", "half_open").description(breakers).register(registry);
        shared.bindTo(registry);
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
    }

    @Override
    public void onEvent(EngineEvent event) {
        engine.onEvent(event);
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
