package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerConfig.OnOpen;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Circuit breakers wired into the engine, halting, job timeouts and stop-on-first-failure, on a
 * settable clock: open times and job budgets pass only when the test moves the clock.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FailureHandlingTest {
    private final MemoryLedger ledger = new MemoryLedger();
    private final SettableClock clock = new SettableClock();
    private final List<EngineEvent> events = Collections.synchronizedList(new ArrayList<>());
    private final Engine engine = engine();

    private Engine engine() {
        return TestEngines.recording(ledger, clock, events).build();
    }

    @AfterEach
    void close() {
        engine.close();
    }

    /** Items item-1..item-n; item i is in scope {@code scopes[(i-1) % scopes.length]} (null: none). */
    private Job submit(JobConfig config, int n, String... scopes) {
        return engine.submit("test", config, IntStream.rangeClosed(1, n).mapToObj(i -> new Engine.ItemSpec("item-" + i, null,
                scopes.length == 0 ? null : scopes[(i - 1) % scopes.length])).iterator());
    }

    private static JobConfig.Builder config() {
        return JobConfig.builder().retry(RetryPolicy.exponential(0, Duration.ofSeconds(10), Duration.ofMinutes(1)).withJitter(0));
    }

    private static AttemptResult down() {
        return AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "target down");
    }

    private List<String> eventTypes() {
        synchronized (events) {
            return events.stream().map(EngineEvent::type).toList();
        }
    }

    // ---- halt mode ----------------------------------------------------------------------------

    @Test
    void a_breaker_in_halt_mode_stops_the_job_after_exactly_threshold_attempts() {
        Job job = submit(config().breaker(BreakerConfig.of(BreakerPolicy.consecutive(3)).onOpen(OnOpen.HALT)).build(), 10);
        AtomicInteger calls = new AtomicInteger();

        JobResult result = engine.run(job.id(), ctx -> {
            calls.incrementAndGet();
            return down();
        });

        assertThat(calls).hasValue(3);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).startsWith("breaker-open: the breaker of scope * opened (3 consecutive failures");
        assertThat(result.counts().failed()).isEqualTo(3);
        assertThat(result.counts().skipped()).isEqualTo(7);
        assertThat(eventTypes()).contains(BreakerStatus.OPENED);
        assertThat(engine.breakers(job.id())).extracting(BreakerStatus::scope, BreakerStatus::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("*", CircuitBreaker.State.OPEN));
    }

    @Test
    void a_halted_job_resumes_after_a_manual_reset_and_its_breaker_starts_closed() {
        Job job = submit(config().breaker(BreakerConfig.of(BreakerPolicy.consecutive(2)).onOpen(OnOpen.HALT)).build(), 5);
        assertThat(engine.run(job.id(), ctx -> down()).status()).isEqualTo(JobStatus.FAILED);

        assertThat(engine.resetBreaker(job.id(), "*")).isTrue();
        assertThat(engine.resetBreaker(job.id(), "*")).isFalse();
        JobResult resumed = engine.run(job.id(), ctx -> AttemptResult.success());

        assertThat(resumed.status()).isEqualTo(JobStatus.PARTIAL); // the two that opened it stay FAILED
        assertThat(resumed.counts().succeeded()).isEqualTo(3);
        assertThat(engine.breakers(job.id())).isEmpty();
    }

    @Test
    void resuming_a_halted_job_while_its_breaker_is_still_open_halts_again_without_an_attempt() {
        Job job = submit(config().breaker(BreakerConfig.of(BreakerPolicy.consecutive(2)).onOpen(OnOpen.HALT)).build(), 5);
        engine.run(job.id(), ctx -> down());
        AtomicInteger calls = new AtomicInteger();

        JobResult again = engine.run(job.id(), ctx -> {
            calls.incrementAndGet();
            return AttemptResult.success();
        });

        assertThat(calls).hasValue(0);
        assertThat(again.status()).isEqualTo(JobStatus.FAILED);
        assertThat(again.job().reason()).contains("is open until " + clock.now().plusSeconds(60));
        assertThat(again.counts().skipped()).isEqualTo(3);
    }

    // ---- pause mode ---------------------------------------------------------------------------

    @Test
    void in_pause_mode_an_open_scope_waits_without_attempts_while_other_scopes_finish() throws Exception {
        BreakerPolicy policy = BreakerPolicy.consecutive(2).withOpen(Duration.ofSeconds(30), 1.0, null);
        Job job = submit(config().concurrency(2).retry(RetryPolicy.exponential(5, Duration.ofSeconds(1), Duration.ofSeconds(1)).withJitter(0))
                .breaker(BreakerConfig.of(policy)).build(), 20, "up", "down");
        AtomicBoolean back = new AtomicBoolean();
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            String scope = ctx.item().scope();
            calls.computeIfAbsent(scope, s -> new AtomicInteger()).incrementAndGet();
            return scope.equals("down") && !back.get() ? down() : AttemptResult.success();
        }));

        // Every item of "up" finishes while "down" is open and the clock stands still.
        await().until(() -> ledger.counts(job.id()).succeeded() == 10);
        assertThat(engine.breakers(job.id())).extracting(BreakerStatus::scope, BreakerStatus::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("down", CircuitBreaker.State.OPEN));
        // 2 failures open it; with concurrency 2 a third attempt of "down" may already run when it opens
        int downCalls = calls.get("down").get();
        assertThat(downCalls).isBetween(2, 3);
        assertThat(run).isNotDone();

        // The retry of the items that opened it falls due within the open time: still no attempt.
        clock.advance(Duration.ofSeconds(29));
        assertThat(calls.get("down").get()).isEqualTo(downCalls);
        assertThat(engine.progress(job.id()).orElseThrow().breakers()).extracting(BreakerStatus::openUntil)
                .containsExactly(clock.now().plusSeconds(1));

        back.set(true);
        clock.advance(Duration.ofSeconds(1));
        JobResult result = run.get(10, TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(calls.get("down").get()).isEqualTo(downCalls + 10); // the failures, then each item once
        assertThat(eventTypes()).containsSubsequence(BreakerStatus.OPENED, BreakerStatus.HALF_OPEN, BreakerStatus.CLOSED);
    }

    @Test
    void a_failed_trial_opens_the_breaker_again_for_longer() throws Exception {
        BreakerPolicy policy = BreakerPolicy.consecutive(1).withOpen(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(60));
        Job job = submit(config().breaker(BreakerConfig.of(policy)).build(), 3);
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean back = new AtomicBoolean();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            calls.incrementAndGet();
            return back.get() ? AttemptResult.success() : down();
        }));
        await().until(() -> !engine.breakers(job.id()).isEmpty());
        assertThat(engine.breakers(job.id()).get(0).openUntil()).isEqualTo(clock.now().plusSeconds(10));

        clock.advance(Duration.ofSeconds(10)); // trial: fails
        await().until(() -> calls.get() == 2 && engine.breakers(job.id()).get(0).state() == CircuitBreaker.State.OPEN
                && engine.breakers(job.id()).get(0).openUntil().equals(clock.now().plusSeconds(20)));
        back.set(true);
        clock.advance(Duration.ofSeconds(20));

        assertThat(run.get(10, TimeUnit.SECONDS).counts().succeeded()).isEqualTo(1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void a_trial_that_hangs_until_its_attempt_timeout_counts_as_failed() throws Exception {
        BreakerPolicy policy = BreakerPolicy.consecutive(1).withOpen(Duration.ofSeconds(10), 1.0, null);
        Job job = submit(config().attemptTimeout(Duration.ofMillis(200)).breaker(BreakerConfig.of(policy)).build(), 3);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            if (calls.incrementAndGet() == 1) {
                return down();
            }
            if (calls.get() == 2) {
                CountDownLatch stopped = new CountDownLatch(1);
                ctx.onStop(stopped::countDown);
                stopped.await(); // hangs until the engine stops it at its timeout
                return AttemptResult.failure(ErrorClass.TRANSIENT, "aborted", "the call was aborted");
            }
            return AttemptResult.success();
        }));
        await().until(() -> !engine.breakers(job.id()).isEmpty());

        clock.advance(Duration.ofSeconds(10));
        await().until(() -> calls.get() == 2 && engine.breakers(job.id()).get(0).state() == CircuitBreaker.State.OPEN);
        // the breaker hears of the attempt before its completion is durable in the ledger
        await().untilAsserted(() -> assertThat(ledger.attempts(job.id(), 2)).extracting(Attempt::category).containsExactly("timeout"));
        clock.advance(Duration.ofSeconds(10));

        JobResult result = run.get(10, TimeUnit.SECONDS);
        assertThat(result.counts().failed()).isEqualTo(2);
        assertThat(result.counts().succeeded()).isEqualTo(1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void a_manual_reset_lets_a_paused_scope_run_at_once() throws Exception {
        Job job = submit(config().breaker(BreakerConfig.of(BreakerPolicy.consecutive(1))).build(), 4);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(),
                ctx -> calls.incrementAndGet() == 1 ? down() : AttemptResult.success()));
        await().until(() -> !engine.breakers(job.id()).isEmpty());

        assertThat(engine.resetBreaker(job.id(), "*")).isTrue();

        JobResult result = run.get(10, TimeUnit.SECONDS);
        assertThat(result.counts().succeeded()).isEqualTo(3);
        assertThat(events).filteredOn(e -> e instanceof EngineEvent.BreakerClosed)
                .extracting(e -> ((EngineEvent.BreakerClosed) e).reason()).containsExactly("reset by hand");
    }

    @Test
    void a_resumed_job_knows_its_open_breakers_and_spends_no_attempt_until_they_pass() throws Exception {
        BreakerPolicy policy = BreakerPolicy.consecutive(1).withOpen(Duration.ofSeconds(30), 1.0, null);
        Job job = submit(config().breaker(BreakerConfig.of(policy)).build(), 3);
        CompletableFuture<JobResult> first = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> down()));
        await().until(() -> !engine.breakers(job.id()).isEmpty());
        engine.pause(job.id(), "paused by test");
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.PAUSED);

        try (Engine second = engine()) { // a new process: only the ledger remembers
            clock.advance(Duration.ofSeconds(10));
            AtomicInteger calls = new AtomicInteger();
            CompletableFuture<JobResult> resumed = CompletableFuture.supplyAsync(() -> second.run(job.id(), ctx -> {
                calls.incrementAndGet();
                return AttemptResult.success();
            }));
            await().until(() -> second.progress(job.id()).isPresent());
            assertThat(second.breakers(job.id())).extracting(BreakerStatus::openUntil)
                    .containsExactly(clock.now().plusSeconds(20));
            assertThat(calls).hasValue(0);

            clock.advance(Duration.ofSeconds(20));
            assertThat(resumed.get(10, TimeUnit.SECONDS).counts().succeeded()).isEqualTo(2);
        }
    }

    // ---- fail mode ----------------------------------------------------------------------------

    @Test
    void in_fail_mode_items_of_an_open_scope_fail_at_once_without_attempts() {
        Job job = submit(config().breaker(BreakerConfig.of(BreakerPolicy.consecutive(2)).onOpen(OnOpen.FAIL)).build(), 6, "a", "b");

        JobResult result = engine.run(job.id(), ctx -> ctx.item().scope().equals("a") ? down() : AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        List<Item> failed = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.FAILED), 0, 10));
        assertThat(failed).extracting(Item::seq).containsExactly(1L, 3L, 5L);
        assertThat(ledger.findItem(job.id(), 5).orElseThrow()).extracting(Item::category, Item::lastAttempt, Item::errorClass)
                .containsExactly("breaker-open", 0, ErrorClass.PERMANENT);
        assertThat(ledger.attempts(job.id(), 5)).isEmpty();
        assertThat(result.counts().succeeded()).isEqualTo(3);
    }

    // ---- job timeout, stop-on-first-failure, halt soon ----------------------------------------

    @Test
    void a_job_timeout_halts_the_job_and_stops_running_attempts() throws Exception {
        Job job = submit(config().concurrency(2).jobTimeout(Duration.ofSeconds(20)).jobTimeoutPerItem(Duration.ofSeconds(1)).build(), 10);
        CountDownLatch started = new CountDownLatch(2);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            started.countDown();
            new CountDownLatch(1).await(); // runs until stopped
            return AttemptResult.success();
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        clock.advance(Duration.ofSeconds(29));
        assertThat(run).isNotDone();
        clock.advance(Duration.ofSeconds(1)); // 20 s + 10 × 1 s

        JobResult result = run.get(10, TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).isEqualTo("job-timeout: the job ran out of its time budget (20s + 1s per item)");
        assertThat(result.counts().skipped()).isEqualTo(10);
        assertThat(result.counts().interruptions()).isEqualTo(2);
    }

    @Test
    void halt_soon_lets_running_attempts_finish_with_their_outcome() throws Exception {
        Job job = submit(config().concurrency(2).halt(HaltMode.SOON).jobTimeout(Duration.ofSeconds(5)).build(), 6);
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            started.countDown();
            finish.await();
            return AttemptResult.success();
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        clock.advance(Duration.ofSeconds(5));
        await().until(() -> events.stream().anyMatch(e -> e.type().equals(EngineEvent.JOB_STARTED)));
        assertThat(run).isNotDone();
        finish.countDown();

        JobResult result = run.get(10, TimeUnit.SECONDS);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).startsWith("job-timeout");
        assertThat(result.counts().succeeded()).isEqualTo(2);
        assertThat(result.counts().skipped()).isEqualTo(4);
        assertThat(result.counts().interruptions()).isZero();
    }

    @Test
    void stop_on_first_failure_halts_at_the_first_item_that_fails_for_good() {
        Job job = submit(config().stopOnFirstFailure(true).build(), 5);

        JobResult result = engine.run(job.id(), ctx -> ctx.seq() == 2
                ? AttemptResult.failure(ErrorClass.PERMANENT, "exit:2", "bad") : AttemptResult.success());

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).isEqualTo("stop-on-first-failure: item 2 (item-2) failed: exit:2");
        assertThat(result.counts()).extracting(JobCounts::succeeded, JobCounts::failed, JobCounts::skipped)
                .containsExactly(1L, 1L, 3L);
    }

    // ---- critical errors and rollback ---------------------------------------------------------

    private static AttemptResult criticalOn(AttemptContext ctx, long seq) {
        return ctx.seq() == seq ? AttemptResult.failure(ErrorClass.CRITICAL, "exit:99", "credentials rejected")
                : AttemptResult.success();
    }

    @Test
    void a_critical_error_rolls_back_the_succeeded_items_newest_first() {
        Job job = submit(config().rollback(true).build(), 6);
        List<Long> undone = Collections.synchronizedList(new ArrayList<>());

        JobResult result = engine.run(job.id(), ctx -> {
            clock.advance(Duration.ofSeconds(1)); // each item finishes a second after the one before
            return criticalOn(ctx, 4);
        }, ctx -> {
            undone.add(ctx.seq());
            return AttemptResult.success();
        });

        assertThat(undone).containsExactly(3L, 2L, 1L);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.job().reason()).startsWith("critical error on item 4 (item-4): exit:99 credentials rejected")
                .endsWith("rolled back: 3 item(s) compensated");
        assertThat(result.counts()).extracting(JobCounts::compensated, JobCounts::failed, JobCounts::skipped, JobCounts::succeeded)
                .containsExactly(3L, 1L, 2L, 0L);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::number, Attempt::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, AttemptOutcome.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(2, AttemptOutcome.COMPENSATED));
        assertThat(eventTypes()).containsSubsequence(EngineEvent.JOB_HALTING, EngineEvent.ROLLBACK_STARTED,
                EngineEvent.ITEM_COMPENSATED, EngineEvent.JOB_FINISHED);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.run(job.id(), ctx -> AttemptResult.success(),
                        ctx -> AttemptResult.success()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("was rolled back");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.retryFailed(job.id(), ctx -> AttemptResult.success(),
                        ctx -> AttemptResult.success()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("submit the batch again");
    }

    @Test
    void without_a_rollback_succeeded_items_stay_succeeded_after_a_critical_error() {
        Job job = submit(config().build(), 4);

        JobResult result = engine.run(job.id(), ctx -> criticalOn(ctx, 3));

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.counts()).extracting(JobCounts::succeeded, JobCounts::compensated, JobCounts::skipped)
                .containsExactly(2L, 0L, 1L);
    }

    @Test
    void a_failed_compensation_is_recorded_and_leaves_its_item_succeeded() {
        Job job = submit(config().rollback(true).build(), 3);

        JobResult result = engine.run(job.id(), ctx -> criticalOn(ctx, 3),
                ctx -> ctx.seq() == 1 ? AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "undo failed") : AttemptResult.success());

        assertThat(result.job().reason()).endsWith("rolled back: 1 item(s) compensated, 1 compensation(s) failed "
                + "(those items stay SUCCEEDED; see their attempts)");
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.SUCCEEDED, AttemptOutcome.COMPENSATION_FAILED);
        assertThat(ledger.findItem(job.id(), 2).orElseThrow().status()).isEqualTo(ItemStatus.COMPENSATED);
    }

    @Test
    void a_rollback_without_any_compensation_is_refused_before_it_runs() {
        Job job = submit(config().rollback(true).build(), 1);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.run(job.id(), ctx -> AttemptResult.success()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no compensation");
    }
}
