package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault matrix row "the wall clock jumps during a run": the wall clock is moved back and
 * forward ({@link SettableClock#jumpWall}) while the monotonic clock stays, as when an operator
 * or NTP steps the system clock. Job budgets and durations run on the monotonic clock, so a jump
 * changes neither; retry due times are wall times in the ledger (shared with other workers and
 * kept across restarts), so a retry comes when the wall clock reaches its due time, and a retry
 * never makes an attempt beyond the limit; a breaker's failure window only counts the slices
 * between the window's start and now, so a jump either way starts it afresh, and an open breaker
 * stays open for its open time from a jump back, no longer; the ETA is measured on
 * the monotonic clock. Every item still ends with exactly one outcome.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClockJumpTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private final MemoryLedger ledger = new MemoryLedger();
    private final SettableClock clock = new SettableClock(START);
    private final Engine engine = Engine.builder().ledger(ledger).clock(clock).random(new java.util.Random(7)).worker("test")
            .build();

    @AfterEach
    void close() {
        engine.close();
    }

    private Job submit(JobConfig config, int n) {
        return engine.submit("clock", config, IntStream.rangeClosed(1, n).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
    }

    @Test
    void a_wall_clock_jump_neither_ends_the_job_budget_nor_extends_it() throws Exception {
        Job job = submit(JobConfig.builder().jobTimeout(Duration.ofMinutes(1)).build(), 3);
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            if (ctx.seq() == 1) {
                running.countDown();
                release.await();
            }
            return AttemptResult.success();
        }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        clock.jumpWall(Duration.ofHours(2)); // wakes every waiter: a wall-clock budget would end here
        release.countDown();

        JobResult result = run.get(20, TimeUnit.SECONDS);
        assertThat(result.status()).as("reason %s", result.job().reason()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.counts().succeeded()).isEqualTo(3);

        // Back by two hours, then one minute of monotonic time: the budget ends after its minute.
        Job second = submit(JobConfig.builder().jobTimeout(Duration.ofMinutes(1)).build(), 2);
        CountDownLatch secondRunning = new CountDownLatch(1);
        CompletableFuture<JobResult> secondRun = CompletableFuture.supplyAsync(() -> engine.run(second.id(), ctx -> {
            secondRunning.countDown();
            new CountDownLatch(1).await(); // runs until stopped
            return AttemptResult.success();
        }));
        assertThat(secondRunning.await(10, TimeUnit.SECONDS)).isTrue();
        clock.jumpWall(Duration.ofHours(-2));
        assertThat(secondRun).isNotDone();
        clock.advance(Duration.ofMinutes(1));
        JobResult timedOut = secondRun.get(20, TimeUnit.SECONDS);
        assertThat(timedOut.status()).isEqualTo(JobStatus.FAILED);
        assertThat(timedOut.job().reason()).startsWith("job-timeout");
        assertThat(timedOut.counts().interruptions()).isEqualTo(1);
        assertThat(timedOut.counts().skipped()).isEqualTo(2);
    }

    @Test
    void retries_come_when_the_wall_clock_reaches_their_due_time_and_never_exceed_the_limit() throws Exception {
        Job job = submit(JobConfig.builder().retry(RetryPolicy.exponential(2, Duration.ofSeconds(10), Duration.ofMinutes(1))
                .withJitter(0)).build(), 1);
        BlockingQueue<Integer> attempts = new LinkedBlockingQueue<>();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            attempts.add(ctx.attempt());
            return AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "down");
        }));
        assertThat(attempts.poll(10, TimeUnit.SECONDS)).isEqualTo(1);
        Item waiting = awaitRetryWait(job);
        assertThat(waiting.nextAttemptAt()).isEqualTo(START.plusSeconds(10));

        clock.jumpWall(Duration.ofHours(-1)); // the retry now lies an hour and 10 s ahead
        clock.advance(Duration.ofSeconds(10)); // 10 s of real time pass: not due yet by the wall clock
        assertThat(awaitRetryWait(job).nextAttemptAt()).as("the due time is kept").isEqualTo(START.plusSeconds(10));
        assertThat(attempts).isEmpty();

        clock.jumpWall(Duration.ofHours(1)); // back to where it was, and past the due time
        assertThat(attempts.poll(10, TimeUnit.SECONDS)).isEqualTo(2);
        Item second = awaitRetryWait(job);
        clock.jumpWall(Duration.ofDays(1)); // far past the next due time: the last retry runs at once
        assertThat(attempts.poll(10, TimeUnit.SECONDS)).isEqualTo(3);

        JobResult result = run.get(20, TimeUnit.SECONDS);
        assertThat(second.nextAttemptAt()).isAfter(START);
        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(attempts).as("no attempt beyond the limit").isEmpty();
        List<Attempt> recorded = ledger.attempts(job.id(), 1);
        assertThat(recorded).extracting(Attempt::number).containsExactly(1, 2, 3);
        assertThat(recorded).allSatisfy(a -> assertThat(a.durationMs()).as("durations are monotonic").isNotNegative());
        Item item = ledger.items(job.id(), ItemQuery.all(10)).get(0);
        assertThat(item.status()).isEqualTo(ItemStatus.FAILED);
        assertThat(item.attempts()).isEqualTo(3);
    }

    @Test
    void a_breaker_window_starts_afresh_when_the_wall_clock_jumps_either_way() {
        CircuitBreaker breaker = new CircuitBreaker("host", BreakerPolicy.failures(3, Duration.ofMinutes(1)));
        fail(breaker);
        fail(breaker);
        clock.jumpWall(Duration.ofHours(-1)); // the two failures now lie in the future: not counted
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state(clock.now())).as("2 failures in the window after the jump back").isEqualTo(CircuitBreaker.State.CLOSED);
        clock.jumpWall(Duration.ofHours(2)); // the failures before now lie an hour and more back: aged out
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(breaker); // three within the window as it is now
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void an_open_breaker_stays_open_for_its_open_time_after_a_jump_back_not_the_jump_more() {
        CircuitBreaker breaker = new CircuitBreaker("host", BreakerPolicy.consecutive(1)); // open for 60 s
        fail(breaker);
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.OPEN);
        clock.jumpWall(Duration.ofHours(-1));
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.openUntil()).as("open time counted from now").isEqualTo(clock.now().plusSeconds(60));
        clock.advance(Duration.ofSeconds(60));
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        CircuitBreaker.Permit trial = breaker.tryAcquire(clock.now(), t -> { });
        assertThat(trial.trial()).isTrue();
        breaker.onSuccess(trial, clock.now(), Duration.ofMillis(5));
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.CLOSED);

        fail(breaker); // a jump forward: the trial call may go at once
        clock.jumpWall(Duration.ofHours(1));
        assertThat(breaker.state(clock.now())).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    private void fail(CircuitBreaker breaker) {
        CircuitBreaker.Permit p = breaker.tryAcquire(clock.now(), t -> { });
        assertThat(p.permitted()).isTrue();
        breaker.onFailure(p, clock.now(), ErrorClass.TRANSIENT, "exit 1");
    }

    @Test
    void the_eta_is_measured_on_the_monotonic_clock() throws Exception {
        Job job = submit(JobConfig.builder().build(), 4);
        BlockingQueue<CountDownLatch> gates = new LinkedBlockingQueue<>();
        CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
            CountDownLatch gate = new CountDownLatch(1);
            gates.add(gate);
            gate.await();
            return AttemptResult.success();
        }));
        for (int i = 1; i <= 2; i++) {
            CountDownLatch gate = gates.poll(10, TimeUnit.SECONDS);
            clock.advance(Duration.ofSeconds(2)); // each item takes 2 s (the rate's window is 10 s)
            gate.countDown();
            int done = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.progress(job.id()).orElseThrow().counts().succeeded() == done);
        }
        CountDownLatch third = gates.poll(10, TimeUnit.SECONDS);
        // The rate is sampled on the dispatcher's progress tick (at the latest when the third item starts).
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.progress(job.id()).orElseThrow().eta() != null);
        Progress before = engine.progress(job.id()).orElseThrow();
        clock.jumpWall(Duration.ofHours(-3));
        Progress back = engine.progress(job.id()).orElseThrow();
        clock.jumpWall(Duration.ofHours(6));
        Progress forward = engine.progress(job.id()).orElseThrow();
        assertThat(before.eta()).isNotNull().isPositive();
        assertThat(back.eta()).as("after a jump back").isEqualTo(before.eta());
        assertThat(forward.eta()).as("after a jump forward").isEqualTo(before.eta());
        assertThat(forward.elapsed()).isEqualTo(before.elapsed());
        third.countDown();
        gates.poll(10, TimeUnit.SECONDS).countDown();
        assertThat(run.get(20, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.COMPLETED);
    }

    private Item awaitRetryWait(Job job) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.items(job.id(), ItemQuery.all(10)).get(0).status() == ItemStatus.RETRY_WAIT);
        return ledger.items(job.id(), ItemQuery.all(10)).get(0);
    }
}
