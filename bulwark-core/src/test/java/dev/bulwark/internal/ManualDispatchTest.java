package dev.bulwark.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.ErrorClass;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.SettableClock;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher driven by hand: set the clock, run due work, assert. No polling, no waiting. */
class ManualDispatchTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T08:00:00Z"));
    private final MemoryLedger ledger = new MemoryLedger();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimers() {
        timers.shutdownNow();
    }

    private Job runningJob(int n, JobConfig config) {
        try (Engine engine = Engine.builder().ledger(ledger).clock(clock).build()) {
            Job job = engine.submit("manual", config, IntStream.rangeClosed(1, n).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
            return ledger.transition(job.id(), JobStatus.RUNNING, null, clock.now());
        }
    }

    private JobRunner runner(Job job, ItemHandler handler) {
        return new JobRunner(ledger, clock, new Random(3), "manual", List.of(), handler, null, timers, job);
    }

    private ItemStatus status(Job job, long seq) {
        return ledger.findItem(job.id(), seq).orElseThrow().status();
    }

    @Test
    void a_retry_runs_once_its_backoff_has_passed_on_the_clock_and_not_before() {
        Job job = runningJob(3, JobConfig.builder().concurrency(2)
                .retry(RetryPolicy.exponential(1, Duration.ofMinutes(1), Duration.ofMinutes(1))).build());
        JobRunner runner = runner(job, ctx -> ctx.seq() == 2 && ctx.attempt() == 1
                ? AttemptResult.failure(ErrorClass.TRANSIENT, "flaky", "not yet") : AttemptResult.success());

        assertThat(runner.runDue()).isEqualTo(3);
        assertThat(status(job, 2)).isEqualTo(ItemStatus.RETRY_WAIT);

        clock.advance(Duration.ofSeconds(30));
        assertThat(runner.runDue()).isZero();
        assertThat(status(job, 2)).isEqualTo(ItemStatus.RETRY_WAIT);

        clock.advance(Duration.ofSeconds(60)); // past the backoff, jitter included
        assertThat(runner.runDue()).isEqualTo(1);
        assertThat(status(job, 2)).isEqualTo(ItemStatus.SUCCEEDED);
        assertThat(runner.run().job().status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void an_open_breaker_holds_its_scope_until_its_open_time_has_passed_then_its_trial_closes_it() {
        Job job = runningJob(5, JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                .breaker(BreakerConfig.of(BreakerPolicy.consecutive(1))).build());
        AtomicBoolean down = new AtomicBoolean(true);
        JobRunner runner = runner(job, ctx -> down.get()
                ? AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "refused") : AttemptResult.success());

        assertThat(runner.runDue()).isEqualTo(1); // item 1 fails and opens the breaker: the rest waits
        assertThat(status(job, 1)).isEqualTo(ItemStatus.FAILED);
        assertThat(status(job, 2)).isEqualTo(ItemStatus.PENDING);

        clock.advance(BreakerPolicy.DEFAULT_OPEN.minusSeconds(1));
        assertThat(runner.runDue()).isZero();

        down.set(false);
        clock.advance(Duration.ofSeconds(2));
        assertThat(runner.runDue()).isEqualTo(4); // the trial succeeds, closes the breaker, and the rest follows
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(4);
        assertThat(runner.run().job().status()).isEqualTo(JobStatus.PARTIAL);
    }
}
