package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EngineTest {
    private final MemoryLedger ledger = new MemoryLedger();
    private final SettableClock clock = new SettableClock();
    private final List<EngineEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final Engine engine = TestEngines.recording(ledger, clock, events).build();

    @AfterEach
    void close() {
        engine.close();
    }

    private Job submit(JobConfig config, int n) {
        return engine.submit("test", config,
                IntStream.rangeClosed(1, n).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
    }

    private static JobConfig.Builder config() {
        return JobConfig.builder().retry(RetryPolicy.exponential(2, Duration.ofSeconds(10), Duration.ofMinutes(1)).withJitter(0));
    }

    @Test
    void completes_a_job_whose_items_all_succeed() {
        Job job = submit(config().concurrency(4).build(), 100);

        JobResult result = engine.run(job.id(), ctx -> AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.counts().succeeded()).isEqualTo(100);
        assertThat(ledger.items(job.id(), ItemQuery.all(1000))).allMatch(i -> i.status() == ItemStatus.SUCCEEDED && i.attempts() == 1);
        assertThat(events).extracting(EngineEvent::type).contains(EngineEvent.JOB_STARTED, EngineEvent.JOB_FINISHED);
    }

    @Test
    void schedules_a_transient_retry_in_the_ledger_and_runs_it_only_when_due() throws Exception {
        Job job = submit(config().build(), 1);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx ->
                calls.incrementAndGet() == 1 ? AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "flaky")
                        : AttemptResult.success()));

        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.findItem(job.id(), 1).orElseThrow().status() == ItemStatus.RETRY_WAIT);
        Item waiting = ledger.findItem(job.id(), 1).orElseThrow();
        assertThat(waiting.nextAttemptAt()).isEqualTo(clock.now().plusSeconds(10));
        clock.advance(Duration.ofSeconds(9));
        assertThat(calls).hasValue(1);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.RETRY_WAIT);

        clock.advance(Duration.ofSeconds(1));
        JobResult result = run.get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(calls).hasValue(2);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.FAILED, AttemptOutcome.SUCCEEDED);
        assertThat(result.counts().retries()).isEqualTo(1);
    }

    @Test
    void never_exceeds_the_retry_limit_and_backs_off_exponentially() throws Exception {
        Job job = submit(config().build(), 1);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(),
                ctx -> AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "always")));

        await().until(() -> ledger.findItem(job.id(), 1).orElseThrow().attempts() == 1);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().nextAttemptAt()).isEqualTo(clock.now().plusSeconds(10));
        clock.advance(Duration.ofSeconds(10));
        await().until(() -> ledger.findItem(job.id(), 1).orElseThrow().attempts() == 2);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().nextAttemptAt()).isEqualTo(clock.now().plusSeconds(20));
        clock.advance(Duration.ofSeconds(20));
        JobResult result = run.get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(ledger.attempts(job.id(), 1)).hasSize(3);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.FAILED);
    }

    @Test
    void does_not_retry_a_permanent_failure_and_ends_partial() {
        Job job = submit(config().build(), 3);

        JobResult result = engine.run(job.id(), ctx -> ctx.seq() == 2
                ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad input") : AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        Item bad = ledger.findItem(job.id(), 2).orElseThrow();
        assertThat(bad.status()).isEqualTo(ItemStatus.FAILED);
        assertThat(bad.attempts()).isEqualTo(1);
        assertThat(bad.category()).isEqualTo("exit:2");
        assertThat(bad.errorClass()).isEqualTo(ErrorClass.PERMANENT);
    }

    @Test
    void classifies_handler_exceptions() {
        Job job = submit(config().retry(RetryPolicy.none()).build(), 3);

        engine.run(job.id(), ctx -> {
            switch ((int) ctx.seq()) {
                case 1 -> throw new PermanentException("parse", "broken xml");
                case 2 -> throw new IllegalStateException("boom");
                default -> {
                    return AttemptResult.success();
                }
            }
        });

        assertThat(ledger.findItem(job.id(), 1).orElseThrow()).extracting(Item::errorClass, Item::category)
                .containsExactly(ErrorClass.PERMANENT, "parse");
        assertThat(ledger.findItem(job.id(), 2).orElseThrow()).extracting(Item::errorClass, Item::category)
                .containsExactly(ErrorClass.TRANSIENT, "exception");
    }

    @Test
    void halts_on_a_critical_error_and_skips_the_rest() {
        Job job = submit(config().build(), 10);

        JobResult result = engine.run(job.id(), ctx -> ctx.seq() == 3
                ? AttemptResult.failure(ErrorClass.CRITICAL, "exit:99", "credentials rejected") : AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).contains("critical").contains("item-3").contains("credentials rejected");
        assertThat(result.counts().succeeded()).isEqualTo(2);
        assertThat(result.counts().failed()).isEqualTo(1);
        assertThat(result.counts().skipped()).isEqualTo(7);
    }

    @Test
    void stops_after_max_failures() {
        Job job = submit(config().retry(RetryPolicy.none()).failureThreshold(FailureThreshold.parse("2")).build(), 10);

        JobResult result = engine.run(job.id(), ctx -> ctx.seq() % 2 == 0
                ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad") : AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).startsWith("max-failures");
        assertThat(result.counts().failed()).isEqualTo(2);
        assertThat(result.counts().succeeded()).isEqualTo(2);
        assertThat(result.counts().skipped()).isEqualTo(6);
    }

    @Test
    void percentage_threshold_is_a_share_of_the_job() {
        assertThat(FailureThreshold.parse("10%").limitFor(95)).isEqualTo(10);
        assertThat(FailureThreshold.parse("10%").limitFor(3)).isEqualTo(1);
        assertThatThrownBy(() -> FailureThreshold.parse("abc")).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> FailureThreshold.parse("0")).hasMessageContaining("'0'");
    }

    @Test
    void never_runs_more_attempts_at_once_than_the_concurrency() {
        Job job = submit(config().concurrency(3).build(), 60);
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();

        engine.run(job.id(), ctx -> {
            int n = now.incrementAndGet();
            peak.accumulateAndGet(n, Math::max);
            Thread.onSpinWait();
            Thread.yield();
            now.decrementAndGet();
            return AttemptResult.success();
        });

        assertThat(peak.get()).isBetween(1, 3);
    }

    @Test
    void ordered_mode_finishes_items_strictly_in_sequence_even_with_retries() throws Exception {
        Job job = submit(config().ordered(true).build(), 5);
        List<Long> order = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            order.add(ctx.seq());
            if (ctx.seq() == 2 && calls.incrementAndGet() == 1) {
                return AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "once");
            }
            return AttemptResult.success();
        }));

        await().until(() -> ledger.findItem(job.id(), 2).orElseThrow().status() == ItemStatus.RETRY_WAIT);
        assertThat(ledger.findItem(job.id(), 3).orElseThrow().status()).isEqualTo(ItemStatus.PENDING);
        clock.advance(Duration.ofSeconds(10));
        assertThat(run.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(order).containsExactly(1L, 2L, 2L, 3L, 4L, 5L);
    }

    @Test
    void pausing_interrupts_running_attempts_and_resume_finishes_the_rest() throws Exception {
        Job job = submit(config().concurrency(2).build(), 6);
        CountDownLatch started = new CountDownLatch(2);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            started.countDown();
            new CountDownLatch(1).await();
            return AttemptResult.success();
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        engine.pause(job.id(), "paused by test");
        JobResult paused = run.get(10, TimeUnit.SECONDS);

        assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
        assertThat(paused.counts().interruptions()).isEqualTo(2);
        assertThat(paused.counts().pending()).isEqualTo(6);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome).containsExactly(AttemptOutcome.INTERRUPTED);

        JobResult resumed = engine.run(job.id(), ctx -> AttemptResult.success());
        assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().attempts()).isEqualTo(1);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().interruptions()).isEqualTo(1);
    }

    @Test
    void cancelling_skips_what_is_left() throws Exception {
        Job job = submit(config().build(), 5);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            started.countDown();
            new CountDownLatch(1).await();
            return AttemptResult.success();
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        engine.cancel(job.id(), "cancelled by test");
        JobResult result = run.get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(result.counts().skipped()).isEqualTo(5);
    }

    @Test
    void cancels_a_job_that_is_not_running() {
        Job job = submit(config().build(), 3);
        Job cancelled = engine.cancel(job.id(), "no longer needed");
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(ledger.counts(job.id()).skipped()).isEqualTo(3);
        assertThatThrownBy(() -> engine.run(job.id(), ctx -> AttemptResult.success()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("CANCELLED");
    }

    @Test
    void times_out_a_handler_that_hangs() {
        Job job = submit(config().retry(RetryPolicy.none()).attemptTimeout(Duration.ofMillis(100)).build(), 1);

        JobResult result = engine.run(job.id(), ctx -> {
            new CountDownLatch(1).await();
            return AttemptResult.success();
        });

        Item item = ledger.findItem(job.id(), 1).orElseThrow();
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(item.category()).isEqualTo("timeout");
        assertThat(item.message()).isEqualTo("timed out after 100ms");
    }

    @Test
    void retry_failed_runs_failed_items_again_with_a_fresh_budget() {
        Job job = submit(config().retry(RetryPolicy.none()).build(), 4);
        engine.run(job.id(), ctx -> ctx.seq() == 4 ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad") : AttemptResult.success());

        JobResult again = engine.retryFailed(job.id(), ctx -> AttemptResult.success());

        assertThat(again.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(ledger.attempts(job.id(), 4)).extracting(Attempt::number).containsExactly(1, 2);
        assertThat(ledger.attempts(job.id(), 1)).hasSize(1);
    }

    @Test
    void resume_records_attempts_interrupted_by_a_crash() {
        Job job = submit(config().build(), 3);
        ledger.transition(job.id(), JobStatus.RUNNING, null, clock.now());
        ledger.claim(job.id(), clock.now(), 2, false);

        JobResult result = engine.run(job.id(), ctx -> AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome, Attempt::category)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(AttemptOutcome.INTERRUPTED, "crash"),
                        org.assertj.core.groups.Tuple.tuple(AttemptOutcome.SUCCEEDED, null));
        assertThat(ledger.attempts(job.id(), 3)).hasSize(1);
        assertThat(events).extracting(EngineEvent::type).contains(EngineEvent.ITEMS_RECOVERED);
    }

    @Test
    void hands_each_attempt_a_stable_idempotency_key_and_distinct_slots() {
        Job job = submit(config().concurrency(4).build(), 40);
        Map<Long, String> keys = new ConcurrentHashMap<>();
        Map<Integer, Boolean> slots = new ConcurrentHashMap<>();

        engine.run(job.id(), ctx -> {
            keys.put(ctx.seq(), ctx.idempotencyKey());
            slots.put(ctx.slot(), true);
            return AttemptResult.success();
        });

        assertThat(keys.get(7L)).isEqualTo(job.id() + ":7");
        assertThat(slots.keySet()).allMatch(s -> s >= 1 && s <= 4);
    }

    @Test
    void backoff_grows_exponentially_with_jitter_and_is_capped() {
        RetryPolicy p = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.2);
        RandomGenerator r = new java.util.Random(1);
        for (int n = 1; n <= 9; n++) {
            Duration d = p.delayAfter(n, r);
            double base = Math.min(30, Math.pow(2, n - 1));
            assertThat(d.toMillis()).isBetween((long) (base * 800) - 1, (long) Math.min(30_000, base * 1200) + 1);
        }
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 0))
                .hasMessageContaining("backoff-max");
    }
}
