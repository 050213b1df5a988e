package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.ledger.MemoryLedger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Resuming through the Java API: without blocking, paused on shutdown, the frozen configuration, finding unfinished jobs. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ResumeApiTest {
    private final SettableClock clock = new SettableClock();
    private final MemoryLedger ledger = new MemoryLedger();
    private static final List<String> KEYS = IntStream.rangeClosed(1, 6).mapToObj(i -> "k" + i).toList();

    /** A handler that blocks on item k3 until the engine stops its attempt, and says when it got there. */
    private static ContextualHandler<String> blockingOnK3(CountDownLatch reached, Set<String> done) {
        return (key, ctx) -> {
            if (key.equals("k3")) {
                reached.countDown();
                while (!ctx.isStopped()) {
                    Thread.sleep(5); // simulated work, stopped by pause through the thread's interrupt
                }
                throw new TransientException("stopped", "stopped");
            }
            done.add(key);
        };
    }

    private UUID pausedJob() throws InterruptedException {
        CountDownLatch reached = new CountDownLatch(1);
        RunningBatch first = Bulwark.strings(KEYS).name("nightly").handlerWithContext(blockingOnK3(reached, ConcurrentHashMap.newKeySet()))
                .concurrency(2).retry(Retry.fixed(1, Duration.ofSeconds(1))).ledger(ledger).clock(clock).start();
        assertThat(reached.await(10, TimeUnit.SECONDS)).isTrue();
        first.pause("shutdown");
        assertThat(first.await().status()).isEqualTo(JobStatus.PAUSED);
        return first.jobId();
    }

    @Test
    void a_non_blocking_resume_returns_a_running_batch_that_can_be_paused_on_shutdown_and_resumed_again() throws Exception {
        UUID jobId = pausedJob();

        CountDownLatch reached = new CountDownLatch(1);
        Set<String> done = ConcurrentHashMap.newKeySet();
        RunningBatch resumed = Bulwark.strings(List.of()).handlerWithContext(blockingOnK3(reached, done))
                .ledger(ledger).clock(clock).resumeAsync(jobId);
        assertThat(resumed.jobId()).isEqualTo(jobId);
        assertThat(reached.await(10, TimeUnit.SECONDS)).as("the resumed run reached k3 while the caller went on").isTrue();
        assertThat(resumed.pause("shutdown")).isTrue();
        BatchResult paused = resumed.await();
        assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
        assertThat(ledger.findItem(jobId, 3).orElseThrow().status()).isEqualTo(ItemStatus.PENDING);

        BatchResult finished = Bulwark.strings(List.of()).handler(key -> { }).ledger(ledger).clock(clock)
                .resumeAsync(jobId).await();
        assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(finished.succeeded()).isEqualTo(KEYS.size());
    }

    @Test
    void resume_names_the_settings_that_differ_from_the_frozen_configuration_and_keeps_the_frozen_ones() throws Exception {
        UUID jobId = pausedJob();

        BatchBuilder<String> again = Bulwark.strings(List.of()).handler(key -> { }).ledger(ledger).clock(clock)
                .concurrency(8).retry(Retry.fixed(1, Duration.ofSeconds(1))).timeout(Duration.ofSeconds(30))
                .breaker(BreakerPolicy.consecutive(3));
        assertThat(again.ignoredOnResume(jobId)).containsExactly(
                "concurrency 8 (the job keeps 2)",
                "timeout PT30S (the job keeps none)",
                "breaker consecutive=3 (the job keeps none)");
        assertThat(Bulwark.strings(List.of()).ledger(ledger).ignoredOnResume(jobId)).isEmpty();

        BatchResult result = again.resume(jobId);
        assertThat(result.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.job().config().concurrency()).isEqualTo(2);
        assertThat(result.job().config().breaker()).isNull();
    }

    @Test
    void the_unfinished_jobs_of_a_name_are_found_through_the_builder() throws Exception {
        UUID paused = pausedJob();
        Bulwark.strings(List.of("x")).name("nightly").handler(key -> { }).ledger(ledger).clock(clock).run();
        Bulwark.strings(List.of("y")).name("other").handler(key -> { }).ledger(ledger).clock(clock).start();

        assertThat(Bulwark.strings(List.of()).ledger(ledger).unfinished("nightly")).extracting(Job::id).containsExactly(paused);
    }
}
