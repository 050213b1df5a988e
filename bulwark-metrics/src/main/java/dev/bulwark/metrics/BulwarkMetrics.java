package dev.bulwark.metrics;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobCounts;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Micrometer metrics of a Bulwark engine, for library users (no server needed). Register it both as
 * a {@link JobListener} of the engine or batch, and as a {@link MeterBinder} of a registry:
 *
 * <pre>{@code
 * BulwarkMetrics metrics = new BulwarkMetrics();
 * metrics.bindTo(registry);
 * Bulwark.batch(orders).handler(this::importOrder).listener(metrics).run();
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>Name</th><th>Type</th><th>Tags</th><th>What</th></tr>
 * <tr><td>{@code bulwark.items}</td><td>counter</td><td>{@code outcome}: succeeded, failed, retry, interrupted</td><td>attempts that ended</td></tr>
 * <tr><td>{@code bulwark.attempt.duration}</td><td>timer</td><td>{@code outcome}</td><td>duration of attempts that ended</td></tr>
 * <tr><td>{@code bulwark.retries}</td><td>counter</td><td></td><td>retries scheduled</td></tr>
 * <tr><td>{@code bulwark.breaker.transitions}</td><td>counter</td><td>{@code to}: open, half_open, closed</td><td>breaker state changes</td></tr>
 * <tr><td>{@code bulwark.breakers}</td><td>gauge</td><td>{@code state}: open, half_open</td><td>breakers not closed, over the jobs running</td></tr>
 * <tr><td>{@code bulwark.items.queued}</td><td>gauge</td><td></td><td>items waiting to run (pending or waiting to retry)</td></tr>
 * <tr><td>{@code bulwark.items.running}</td><td>gauge</td><td></td><td>items running</td></tr>
 * <tr><td>{@code bulwark.jobs.active}</td><td>gauge</td><td></td><td>jobs running in this process</td></tr>
 * </table>
 *
 * <p>No tag carries a job id, an item key, a scope or a tenant: scopes are often host names or
 * customer data, and per-job tags would grow without bound. Per-scope breaker state is in
 * {@code Engine.breakers(jobId)} and {@code BatchResult.breakers()}.
 *
 * <p>Thread-safe: the engine calls it from its worker threads; gauges are read when scraped. The
 * gauges follow the latest progress of each job and forget a job when it finishes or pauses.
 */
public final class BulwarkMetrics implements MeterBinder, JobListener {
    /** How many finished or paused jobs are remembered, so their last progress report does not bring them back. */
    static final int ENDED_REMEMBERED = 1_024;

    private final Map<UUID, Progress> running = new ConcurrentHashMap<>();
    /** Jobs that finished or paused here, oldest first; a job that starts again (resume) leaves it. */
    private final Set<UUID> ended = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
            return size() > ENDED_REMEMBERED;
        }
    }));
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private volatile MeterRegistry registry;

    @Override
    public void bindTo(MeterRegistry value) {
        this.registry = Objects.requireNonNull(value, "registry");
        Counter.builder("bulwark.retries").description("Retries scheduled after transient failures").register(value);
        gauge(value, "bulwark.items.queued", "Items waiting to run (pending or waiting to retry), over the jobs running",
                c -> c.pending() + c.retryWait());
        gauge(value, "bulwark.items.running", "Items running, over the jobs running", JobCounts::running);
        Gauge.builder("bulwark.jobs.active", running, Map::size).description("Jobs running in this process").register(value);
        for (CircuitBreaker.State state : new CircuitBreaker.State[] {CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN}) {
            Gauge.builder("bulwark.breakers", this, m -> m.breakersIn(state)).tag("state", tagOf(state.name()))
                    .description("Circuit breakers in this state, over the jobs running").register(value);
        }
    }

    @Override
    public void onProgress(Progress progress) {
        // The engine sends a last report after job_finished/job_paused: it must not revive the job.
        if (!ended.contains(progress.jobId())) {
            running.put(progress.jobId(), progress);
        }
    }

    @Override
    public void onEvent(EngineEvent event) {
        switch (event) {
            case EngineEvent.JobStarted s -> ended.remove(s.jobId());
            case EngineEvent.JobFinished f -> stopped(f.jobId());
            case EngineEvent.JobPaused p -> stopped(p.jobId());
            case EngineEvent.ItemSucceeded s -> ended(s, "succeeded");
            case EngineEvent.ItemFailed f -> ended(f, "failed");
            case EngineEvent.ItemRetryScheduled rs -> {
                ended(rs, "retry");
                MeterRegistry r = registry;
                if (r != null) {
                    r.counter("bulwark.retries").increment();
                }
            }
            case EngineEvent.ItemInterrupted i -> ended(i, "interrupted");
            case EngineEvent.BreakerEvent b -> count("bulwark.breaker.transitions", "to", tagOf(b.to().name()),
                    "Circuit breaker state changes, by the state entered");
            default -> {
            }
        }
    }

    private void stopped(java.util.UUID jobId) {
        ended.add(jobId);
        running.remove(jobId);
    }

    private void ended(EngineEvent.AttemptEnded event, String outcome) {
        count("bulwark.items", "outcome", outcome, "Attempts that ended, by outcome (final or not)");
        MeterRegistry r = registry;
        Duration took = event.duration();
        if (r != null && took != null) {
            timers.computeIfAbsent(outcome, o -> Timer.builder("bulwark.attempt.duration").tag("outcome", o)
                    .description("Duration of attempts that ended").register(r)).record(took);
        }
    }

    private void count(String name, String tag, String value, String description) {
        MeterRegistry r = registry;
        if (r != null) {
            counters.computeIfAbsent(name + "\n" + value,
                    k -> Counter.builder(name).tag(tag, value).description(description).register(r)).increment();
        }
    }

    private void gauge(MeterRegistry r, String name, String description, ToLongFunction<JobCounts> of) {
        Gauge.builder(name, running, jobs -> jobs.values().stream().mapToLong(p -> of.applyAsLong(p.counts())).sum())
                .description(description).register(r);
    }

    private double breakersIn(CircuitBreaker.State state) {
        return running.values().stream().flatMap(p -> p.breakers().stream()).filter(b -> b.state() == state).count();
    }

    private static String tagOf(String state) {
        return state.toLowerCase(Locale.ROOT);
    }
}
