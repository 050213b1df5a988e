package dev.bulwark.breaker;

import dev.bulwark.SharedBreakerView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.ErrorClass;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.PermanentException;
import dev.bulwark.RetryPolicy;
import dev.bulwark.SettableClock;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Named breakers around direct calls and shared with batches ({@code --breaker-shared}), on a
 * ledger's store: the memory ledger here, SQLite and PostgreSQL in bulwark-jdbc. Every time is the
 * settable clock's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class NamedBreakerContract {
    protected final SettableClock clock = new SettableClock(Instant.parse("2026-03-01T10:00:00Z"));
    /** Seed 003's policy: 3 failures within 60 s, open 60 s, one trial. */
    protected static final BreakerPolicy SEED_003 = BreakerPolicy.failures(3, Duration.ofSeconds(60));

    /** The ledger of this test (fresh for each test). */
    protected abstract Ledger ledger();

    protected NamedBreaker breaker(String name, BreakerPolicy policy) {
        return NamedBreaker.builder(name, policy).store(ledger().breakers()).clock(clock)
                .classify(TimeoutException.class, ErrorClass.TRANSIENT, "timeout").build();
    }

    private static Integer failing() throws IOException {
        throw new IOException("connection refused");
    }

    @Test
    void sync_calls_trip_it_and_are_refused_without_being_made_while_it_is_open() {
        NamedBreaker m1 = breaker("m1", SEED_003);
        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> m1.call(() -> {
                made.incrementAndGet();
                return failing();
            })).isInstanceOf(CompletionException.class).hasCauseInstanceOf(IOException.class);
        }
        assertThat(m1.state()).isEqualTo(State.OPEN);
        assertThat(m1.openUntil()).isEqualTo(clock.now().plusSeconds(60));

        assertThatThrownBy(() -> m1.run(made::incrementAndGet)).isInstanceOf(BreakerOpenException.class)
                .hasMessage("circuit breaker m1 is open until " + clock.now().plusSeconds(60))
                .satisfies(e -> assertThat(((BreakerOpenException) e).breaker()).isEqualTo("m1"));
        assertThat(made).hasValue(3);
        assertThat(ledger().breakers().events("m1", 10)).extracting(BreakerStatus::state).containsExactly(State.OPEN);
    }

    @Test
    void async_calls_trip_it_and_are_refused_without_being_made_while_it_is_open() {
        NamedBreaker m1 = breaker("m1", SEED_003);
        AtomicInteger made = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            CompletableFuture<String> f = m1.callAsync(() -> {
                made.incrementAndGet();
                return CompletableFuture.failedFuture(new TimeoutException("no answer in 5 s"));
            });
            assertThatThrownBy(f::join).hasCauseInstanceOf(TimeoutException.class);
        }
        assertThat(m1.state()).isEqualTo(State.OPEN);

        CompletableFuture<String> refused = m1.callAsync(() -> {
            made.incrementAndGet();
            return CompletableFuture.completedFuture("ok");
        });
        assertThatThrownBy(refused::join).hasCauseInstanceOf(BreakerOpenException.class);
        assertThat(made).hasValue(3);
    }

    @Test
    void half_open_lets_one_trial_through_at_a_time_and_its_success_closes_it() {
        NamedBreaker m1 = breaker("m1", SEED_003);
        IntStream.range(0, 3).forEach(i -> assertThatThrownBy(() -> m1.call(NamedBreakerContract::failing)));
        clock.advance(Duration.ofSeconds(60));

        CompletableFuture<String> answer = new CompletableFuture<>();
        CompletableFuture<String> trial = m1.callAsync(() -> answer);
        assertThat(m1.state()).isEqualTo(State.HALF_OPEN);
        AtomicInteger made = new AtomicInteger();
        assertThatThrownBy(() -> m1.run(made::incrementAndGet)).isInstanceOf(BreakerOpenException.class)
                .hasMessageContaining("half-open");
        assertThat(made).hasValue(0);

        answer.complete("pong");
        assertThat(trial.join()).isEqualTo("pong");
        assertThat(m1.state()).isEqualTo(State.CLOSED);
        m1.run(made::incrementAndGet);
        assertThat(made).hasValue(1);
    }

    @Test
    void a_failed_trial_opens_it_again() {
        NamedBreaker m1 = breaker("m1", SEED_003);
        IntStream.range(0, 3).forEach(i -> assertThatThrownBy(() -> m1.call(NamedBreakerContract::failing)));
        clock.advance(Duration.ofSeconds(61));
        assertThatThrownBy(() -> m1.call(NamedBreakerContract::failing)).hasCauseInstanceOf(IOException.class);
        assertThat(m1.state()).isEqualTo(State.OPEN);
        assertThat(m1.openUntil()).isEqualTo(clock.now().plusSeconds(60));
    }

    @Test
    void exceptions_are_classified_as_for_handlers_and_only_counted_ones_trip_it() {
        NamedBreaker permanentIgnored = breaker("m1", SEED_003);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> permanentIgnored.run(() -> {
                throw new PermanentException("bad-request", "no such command");
            })).isInstanceOf(PermanentException.class);
        }
        assertThat(permanentIgnored.state()).isEqualTo(State.CLOSED);

        NamedBreaker onlyTimeouts = breaker("m2", SEED_003.withCounting(List.of("timeout"), "counting"));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> onlyTimeouts.call(NamedBreakerContract::failing)); // category exception: not counted
        }
        assertThat(onlyTimeouts.state()).isEqualTo(State.CLOSED);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> onlyTimeouts.call(() -> {
                throw new TimeoutException("no answer");
            }));
        }
        assertThat(onlyTimeouts.state()).isEqualTo(State.OPEN);
    }

    @Test
    void one_name_is_one_breaker_with_the_policy_it_was_created_with() {
        NamedBreaker first = breaker("m1", SEED_003);
        NamedBreaker second = breaker("m1", BreakerPolicy.consecutive(100));
        assertThatThrownBy(() -> first.call(NamedBreakerContract::failing));
        assertThatThrownBy(() -> second.call(NamedBreakerContract::failing));
        assertThatThrownBy(() -> first.call(NamedBreakerContract::failing));

        assertThat(second.state()).isEqualTo(State.OPEN);
        assertThat(second.policy()).isEqualTo(SEED_003);
        assertThatThrownBy(() -> second.run(() -> { })).isInstanceOf(BreakerOpenException.class);
        assertThat(second.reset()).isTrue();
        assertThat(first.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void a_breaker_opened_by_hand_refuses_calls_until_reset() {
        NamedBreaker m1 = breaker("m1", SEED_003);
        m1.forceOpen("maintenance window");
        clock.advance(Duration.ofDays(30));
        assertThatThrownBy(() -> m1.run(() -> { })).isInstanceOf(BreakerOpenException.class).hasMessageContaining("until reset");
        assertThat(ledger().breakers().find("m1").orElseThrow().reason()).isEqualTo("maintenance window");
        m1.reset();
        m1.run(() -> { });
    }

    @Test
    void a_batch_with_shared_breakers_and_direct_calls_use_the_same_breaker() throws Exception {
        try (Engine engine = Engine.builder().ledger(ledger()).clock(clock).build()) {
            JobConfig config = JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                    .breaker(new BreakerConfig(BreakerPolicy.consecutive(3), BreakerConfig.OnOpen.HALT, "{//}", true)).build();
            Job a = engine.submit("job-a", config, List.of(new ItemSpec("m1/1", null, "m1"), new ItemSpec("m1/2", null, "m1"),
                    new ItemSpec("m1/3", null, "m1"), new ItemSpec("m1/4", null, "m1")).iterator());
            engine.run(a.id(), ctx -> AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "connection refused"));
            assertThat(ledger().findJob(a.id()).orElseThrow().status()).isEqualTo(JobStatus.FAILED);

            NamedBreaker m1 = engine.breaker("m1", SEED_003);
            assertThat(m1.state()).isEqualTo(State.OPEN);
            assertThat(m1.policy()).isEqualTo(BreakerPolicy.consecutive(3)); // the job created it
            assertThatThrownBy(() -> m1.run(() -> { })).isInstanceOf(BreakerOpenException.class);

            // B runs afterwards in fail mode: no call to m1, while m2 runs
            JobConfig failMode = JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                    .breaker(new BreakerConfig(BreakerPolicy.consecutive(3), BreakerConfig.OnOpen.FAIL, "{//}", true)).build();
            Job b = engine.submit("job-b", failMode, List.of(new ItemSpec("m1/a", null, "m1"), new ItemSpec("m2/a", null, "m2"),
                    new ItemSpec("m1/b", null, "m1"), new ItemSpec("m2/b", null, "m2")).iterator());
            List<String> called = new java.util.concurrent.CopyOnWriteArrayList<>();
            engine.run(b.id(), ctx -> {
                called.add(ctx.item().key());
                return AttemptResult.success();
            });
            assertThat(called).containsExactly("m2/a", "m2/b");
            assertThat(ledger().counts(b.id()).failed()).isEqualTo(2);

            List<SharedBreakerView> views = SharedBreakerView.all(ledger(), clock.now());
            assertThat(views).extracting(SharedBreakerView::name, SharedBreakerView::state)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("m1", State.OPEN), org.assertj.core.groups.Tuple.tuple("m2", State.CLOSED));
            assertThat(views.get(0).waitingJobs()).containsExactly(a.id()); // A was halted with m1 items skipped

            // a direct call's reset is the batch's: retry-failed of B now runs m1's items
            assertThat(m1.reset()).isTrue();
            engine.retryFailed(b.id(), ctx -> {
                called.add(ctx.item().key());
                return AttemptResult.success();
            });
            assertThat(called).containsExactly("m2/a", "m2/b", "m1/a", "m1/b");
            assertThat(ledger().findJob(b.id()).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void a_manual_breaker_makes_resume_wait_for_a_reset_however_long() throws Exception {
        try (Engine engine = Engine.builder().ledger(ledger()).clock(clock).build()) {
            JobConfig config = JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                    .breaker(new BreakerConfig(BreakerPolicy.consecutive(3).withOpen("manual"), BreakerConfig.OnOpen.HALT, null))
                    .build();
            Job job = engine.submit("nodes", config, IntStream.rangeClosed(1, 6).mapToObj(i -> ItemSpec.of("token-" + i)).iterator());
            AtomicInteger attempts = new AtomicInteger();
            AtomicInteger failUntil = new AtomicInteger(3);
            dev.bulwark.ItemHandler handler = ctx -> attempts.incrementAndGet() <= failUntil.get()
                    ? AttemptResult.failure(ErrorClass.TRANSIENT, "exit:1", "node down") : AttemptResult.success();
            engine.run(job.id(), handler);
            assertThat(ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
            assertThat(attempts).hasValue(3);
            assertThat(engine.breakers(job.id())).singleElement().satisfies(b -> {
                assertThat(b.state()).isEqualTo(State.OPEN);
                assertThat(b.openUntil()).isEqualTo(BreakerState.UNTIL_RESET);
            });

            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofDays(400));
                engine.run(job.id(), handler); // resume
                assertThat(attempts).as("attempts after waiting %d days", 400 * (i + 1)).hasValue(3);
                assertThat(ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.FAILED);
            }

            assertThat(engine.resetBreaker(job.id(), dev.bulwark.Item.JOB_SCOPE)).isTrue();
            engine.run(job.id(), handler);
            assertThat(attempts).hasValue(6);
            assertThat(ledger().counts(job.id()).succeeded()).isEqualTo(3);
        }
    }

    @Test
    void a_running_job_waiting_on_a_shared_breaker_goes_on_when_another_caller_resets_it() throws Exception {
        java.util.concurrent.CountDownLatch otherScopeDone = new java.util.concurrent.CountDownLatch(2);
        try (Engine engine = Engine.builder().ledger(ledger()).build()) { // the system clock: the job waits in real time
            JobConfig config = JobConfig.builder().concurrency(1).retry(RetryPolicy.none())
                    .breaker(new BreakerConfig(BreakerPolicy.consecutive(2).withOpen("manual"), BreakerConfig.OnOpen.PAUSE, "{//}", true))
                    .build();
            Job job = engine.submit("waits", config, List.of(new ItemSpec("m1/1", null, "m1"), new ItemSpec("m1/2", null, "m1"),
                    new ItemSpec("m1/3", null, "m1"), new ItemSpec("m2/1", null, "m2"), new ItemSpec("m2/2", null, "m2")).iterator());
            java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();
            List<String> called = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Void> run = CompletableFuture.runAsync(() -> engine.run(job.id(), ctx -> {
                called.add(ctx.item().key());
                if (ctx.item().key().startsWith("m2/")) {
                    otherScopeDone.countDown();
                    return AttemptResult.success();
                }
                return up.get() ? AttemptResult.success() : AttemptResult.failure(ErrorClass.TRANSIENT, "connect", "refused");
            }));
            assertThat(otherScopeDone.await(30, TimeUnit.SECONDS)).as("the other scope went on").isTrue();
            assertThat(called).containsExactly("m1/1", "m1/2", "m2/1", "m2/2");
            assertThat(run).isNotDone();

            up.set(true);
            NamedBreaker other = NamedBreaker.builder("m1", SEED_003).store(ledger().breakers()).build(); // another caller
            assertThat(other.state()).isEqualTo(State.OPEN);
            assertThat(other.reset()).isTrue();
            run.get(30, TimeUnit.SECONDS);
            assertThat(called).containsExactly("m1/1", "m1/2", "m2/1", "m2/2", "m1/3");
            assertThat(ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.PARTIAL);
        }
    }
}
