package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.Engine;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.WorkQueue.Lease;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.StaleFenceException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The workers' queue on a real PostgreSQL: claims across jobs, limits, leases, reclaiming, stalls, a job's end. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkQueueTest {
    private static final Duration SHORT_LEASE = Duration.ofMillis(300);
    /** A lease no test outlives. */
    static final Duration LONG_LEASE = Duration.ofMinutes(5);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("queue");

    /** A job of {@code n} items handed to the workers. */
    static Job workerJob(WorkQueue queue, int n, int priority, int limit) {
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            Job job = engine.submit("job-p" + priority, JobConfig.builder().concurrency(limit).build(),
                    IntStream.rangeClosed(1, n).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
            queue.enqueue(job.id(), priority, limit);
            return job;
        }
    }

    /** A job of one item (priority 0, one at a time) handed to the workers. */
    static Job oneItemJob(WorkQueue queue) {
        return workerJob(queue, 1, 0, 1);
    }

    private static Completion success(Item item, String worker) {
        return Completion.of(new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                item.startedAt().plusMillis(5), AttemptOutcome.SUCCEEDED, null, null, null, 0, 5, worker, null),
                item.fence(), ItemStatus.SUCCEEDED);
    }

    @Test
    void claims_take_the_best_priority_first_and_never_exceed_a_jobs_limit_across_workers() {
        WorkQueue a = PG.openQueue();
        WorkQueue b = PG.openQueue();
        Job low = workerJob(a, 5, 5, 100);
        Job urgent = workerJob(a, 5, 1, 2);

        List<Lease> first = a.claim("a", 3, LONG_LEASE);
        List<Lease> second = b.claim("b", 10, LONG_LEASE);

        assertThat(first).extracting(Lease::jobId).containsExactly(urgent.id(), urgent.id(), low.id());
        assertThat(second).extracting(Lease::jobId).containsOnly(low.id()).hasSize(4);
        assertThat(a.ledger().findJob(urgent.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        // The urgent job's limit frees as its items end.
        a.ledger().complete(success(first.get(0).item(), "a")).join();
        assertThat(b.claim("b", 10, LONG_LEASE)).extracting(Lease::jobId).containsExactly(urgent.id());
    }

    @Test
    void local_jobs_and_jobs_not_yet_handed_over_are_never_claimed() {
        WorkQueue queue = PG.openQueue();
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            engine.submit("local", JobConfig.builder().build(), List.of(Engine.ItemSpec.of("x")).iterator());
        }
        assertThat(queue.claim("w", 10, LONG_LEASE)).isEmpty();
    }

    @Test
    void only_a_queued_job_can_be_handed_to_workers() {
        WorkQueue queue = PG.openQueue();
        Job job = oneItemJob(queue);
        assertThatThrownBy(() -> queue.enqueue(job.id(), 0, 1)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("not QUEUED");
        assertThatThrownBy(() -> queue.enqueue(UUID.randomUUID(), 0, 0)).isInstanceOf(ValidationException.class)
                .hasMessageContaining("at least 1, but was 0");
    }

    @Test
    void an_expired_lease_is_reclaimed_as_interrupted_and_the_late_completion_is_rejected() {
        WorkQueue stalled = PG.openQueue();
        WorkQueue live = PG.openQueue();
        Job job = oneItemJob(stalled);
        Lease lease = stalled.claim("stalled-worker", 1, SHORT_LEASE).get(0);
        assertThat(live.reclaim("live-worker", 3, 100).total()).isZero(); // not expired yet

        await().atMost(Duration.ofSeconds(10)).until(() -> live.reclaim("live-worker", 3, 100).interrupted() == 1);

        Item item = live.ledger().findItem(job.id(), 1).orElseThrow();
        assertThat(item.status()).isEqualTo(ItemStatus.PENDING);
        assertThat(item.interruptions()).isEqualTo(1);
        Attempt cut = live.ledger().attempts(job.id(), 1).get(0);
        assertThat(cut.outcome()).isEqualTo(AttemptOutcome.INTERRUPTED);
        assertThat(cut.category()).isEqualTo("lease-expired");
        assertThat(cut.worker()).isEqualTo("stalled-worker");
        assertThat(cut.message()).contains("reclaimed by live-worker");
        assertThatThrownBy(() -> stalled.ledger().complete(success(lease.item(), "stalled-worker")).join())
                .hasCauseInstanceOf(StaleFenceException.class);
        assertThat(stalled.renew(List.of(lease), SHORT_LEASE)).isEmpty();
        // The item runs again, under a new fence, and its end ends the job.
        Lease again = live.claim("live-worker", 1, LONG_LEASE).get(0);
        assertThat(again.fence()).isGreaterThan(lease.fence());
        live.ledger().complete(success(again.item(), "live-worker")).join();
        assertThat(live.finishIfDone(again.jobPk())).map(Job::status).contains(JobStatus.COMPLETED);
        assertThat(stalled.finishIfDone(again.jobPk())).isEmpty();
    }

    @Test
    void an_expired_lease_of_a_job_that_stopped_meanwhile_leaves_its_item_skipped() {
        WorkQueue queue = PG.openQueue();
        Job job = oneItemJob(queue);
        queue.claim("dead", 1, SHORT_LEASE);
        queue.ledger().transition(job.id(), JobStatus.CANCELLED, "cancelled", queue.ledger().databaseNow());
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.reclaim("live", 3, 100).total() == 1);
        assertThat(queue.ledger().findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.SKIPPED);
    }

    @Test
    void a_renewed_lease_does_not_expire() {
        WorkQueue queue = PG.openQueue();
        oneItemJob(queue);
        Lease lease = queue.claim("w", 1, SHORT_LEASE).get(0);
        // Renewed for long: however long the reclaimer waits past the short lease, nothing expires.
        assertThat(queue.renew(List.of(lease), LONG_LEASE)).containsExactly(lease.fence());
        long deadline = System.nanoTime() + SHORT_LEASE.multipliedBy(3).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(queue.reclaim("other", 3, 100).total()).isZero();
        }
    }

    @Test
    void an_item_that_stalls_more_often_than_allowed_fails_as_stalled_and_the_job_ends() {
        WorkQueue queue = PG.openQueue();
        Job job = oneItemJob(queue);
        for (int stall = 1; stall <= 2; stall++) {
            assertThat(queue.claim("w" + stall, 1, SHORT_LEASE)).hasSize(1);
            int expected = stall;
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.reclaim("r", 1, 100).total() == 1);
            assertThat(queue.ledger().attempts(job.id(), 1)).hasSize(expected);
        }
        Item item = queue.ledger().findItem(job.id(), 1).orElseThrow();
        assertThat(item.status()).isEqualTo(ItemStatus.FAILED);
        assertThat(item.category()).isEqualTo("stalled");
        assertThat(item.errorClass()).isEqualTo(ErrorClass.TRANSIENT);
        assertThat(queue.ledger().attempts(job.id(), 1)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.INTERRUPTED, AttemptOutcome.FAILED);
        Job ended = queue.ledger().findJob(job.id()).orElseThrow();
        assertThat(ended.status()).isEqualTo(JobStatus.FAILED);
        assertThat(ended.reason()).isEqualTo("every item failed");
        assertThat(queue.ledger().events(job.id(), 100)).extracting(EngineEvent::type).containsOnlyOnce(EngineEvent.JOB_FINISHED);
    }

    @Test
    void a_job_ends_once_whoever_records_its_last_items() {
        WorkQueue a = PG.openQueue();
        WorkQueue b = PG.openQueue();
        Job job = workerJob(a, 2, 0, 2);
        Lease one = a.claim("a", 1, LONG_LEASE).get(0);
        Lease two = b.claim("b", 1, LONG_LEASE).get(0);
        a.ledger().complete(success(one.item(), "a")).join();
        assertThat(a.finishIfDone(one.jobPk())).isEmpty();
        b.ledger().complete(success(two.item(), "b")).join();

        assertThat(List.of(a.finishAllDone(), b.finishAllDone(), a.finishAllDone())).flatMap(l -> l)
                .extracting(Job::id).containsExactly(job.id());
        assertThat(a.ledger().findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void a_halt_fails_the_job_and_leaves_no_item_without_an_outcome() {
        WorkQueue queue = PG.openQueue();
        Job job = workerJob(queue, 3, 0, 3);
        Lease running = queue.claim("w", 1, LONG_LEASE).get(0);
        assertThat(queue.halt(job.id(), "critical error on item 1")).isTrue();
        assertThat(queue.halt(job.id(), "again")).isFalse();
        assertThat(queue.ledger().counts(job.id()).skipped()).isEqualTo(3);
        assertThat(queue.renew(List.of(running), LONG_LEASE)).isEmpty();
        assertThatThrownBy(() -> queue.ledger().complete(success(running.item(), "w")).join())
                .hasCauseInstanceOf(StaleFenceException.class);
        assertThat(queue.ledger().findJob(job.id()).orElseThrow().reason()).isEqualTo("critical error on item 1");
        assertThat(queue.claim("w", 10, LONG_LEASE)).isEmpty();
    }

    @Test
    void items_an_open_breaker_fails_in_a_claim_count_toward_the_failure_budget_checked_in_the_ledger() {
        WorkQueue queue = PG.openQueue();
        JobConfig config = JobConfig.builder().concurrency(1).retry(dev.bulwark.RetryPolicy.none())
                .breaker(dev.bulwark.breaker.BreakerConfig.of(dev.bulwark.breaker.BreakerPolicy.consecutive(1))
                        .onOpen(dev.bulwark.breaker.BreakerConfig.OnOpen.FAIL))
                .failureThreshold(dev.bulwark.FailureThreshold.parse("5")).build();
        Job job;
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            job = engine.submit("budget", config, IntStream.rangeClosed(1, 20).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
        }
        queue.enqueue(job.id(), 0, 1);
        Lease first = queue.claim("w", 1, LONG_LEASE).get(0);
        Item item = first.item();
        queue.complete(first, Completion.of(new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                item.startedAt(), AttemptOutcome.FAILED, ErrorClass.TRANSIENT, "connect", "refused", null, 0, "w", null),
                first.fence(), ItemStatus.FAILED), config.breaker());

        assertThat(queue.claim("w", 1, LONG_LEASE)).isEmpty(); // fails the other 19: the breaker is open
        assertThat(queue.haltIfOverBudget(first.jobPk())).isTrue();
        assertThat(queue.haltIfOverBudget(first.jobPk())).isFalse();

        Job halted = queue.ledger().findJob(job.id()).orElseThrow();
        assertThat(halted.status()).isEqualTo(JobStatus.FAILED);
        assertThat(halted.reason()).startsWith("max-failures: 20 item(s) failed, the limit is 5");
    }
}
