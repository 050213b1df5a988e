package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.Engine;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.BreakerStore;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import dev.bulwark.jdbc.WorkQueue.Lease;
import dev.bulwark.ledger.Completion;
import dev.bulwark.ledger.ItemQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jobs run by workers with {@code --breaker-shared} on a real PostgreSQL: their scopes' breakers
 * are the ledger's named breakers, the same ones every other job, process and direct call on the
 * ledger uses. Claims and outcomes are driven by hand, so each step is exact.
 */
class NamedBreakerWorkerTest {
    private static final Duration LEASE = Duration.ofMinutes(5);
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("named_workers");

    private WorkQueue queue;
    private BreakerStore named;

    @BeforeEach
    void openLedger() {
        queue = new WorkQueue(PG.closeAfter(PostgresLedger.open(PG.url(null), null, null)));
        named = queue.ledger().breakers();
    }

    /** A worker job of items "SCOPE/n" in their scope, one entry per scope and count, breakers shared. */
    private Job submit(BreakerConfig.OnOpen onOpen, String... scopesAndCounts) {
        BreakerConfig breaker = BreakerConfig.of(BreakerPolicy.consecutive(2).withOpen(Duration.ofMinutes(10), 1.0, null))
                .onOpen(onOpen).scope("{//}").shared(true);
        JobConfig config = JobConfig.builder().concurrency(20).breaker(breaker).build();
        List<Engine.ItemSpec> items = Arrays.stream(scopesAndCounts).flatMap(entry -> {
            String[] parts = entry.split("=");
            return java.util.stream.IntStream.rangeClosed(1, Integer.parseInt(parts[1]))
                    .mapToObj(i -> new Engine.ItemSpec(parts[0] + "/" + i, null, parts[0]));
        }).toList();
        try (Engine engine = Engine.builder().ledger(queue.ledger()).build()) {
            Job job = engine.submit("named", config, items.iterator());
            queue.enqueue(job.id(), 0, 20);
            return job;
        }
    }

    private Optional<Transition> finish(Lease lease, boolean ok) {
        Item item = lease.item();
        Attempt a = new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(), item.startedAt().plusMillis(5),
                ok ? AttemptOutcome.SUCCEEDED : AttemptOutcome.FAILED, ok ? null : ErrorClass.TRANSIENT, ok ? null : "refused",
                null, ok ? 0 : 1, 5, "test", null);
        Job job = queue.ledger().findJob(item.jobId()).orElseThrow();
        return queue.complete(lease, Completion.of(a, lease.fence(), ok ? ItemStatus.SUCCEEDED : ItemStatus.FAILED),
                job.config().breaker());
    }

    private static List<String> keys(List<Lease> leases) {
        return leases.stream().map(l -> l.item().key()).toList();
    }

    private State state(String name) {
        return named.find(name).orElseThrow().state().state();
    }

    private long events(Job job, String type) {
        return queue.ledger().events(job.id(), Integer.MAX_VALUE).stream().filter(e -> e.type().equals(type)).count();
    }

    @Test
    void one_jobs_failures_open_the_named_breaker_for_every_job_and_one_trial_closes_it_for_all() {
        Job first = submit(BreakerConfig.OnOpen.PAUSE, "db1=2", "ok=2");
        Job second = submit(BreakerConfig.OnOpen.PAUSE, "db1=3");

        List<Lease> failing = queue.claim("a", 2, LEASE);
        assertThat(keys(failing)).containsExactly("db1/1", "db1/2");
        assertThat(finish(failing.get(0), false)).isEmpty();
        Transition opened = finish(failing.get(1), false).orElseThrow();
        assertThat(opened.to()).isEqualTo(State.OPEN);
        assertThat(state("db1")).isEqualTo(State.OPEN);
        assertThat(named.events("db1", 10)).extracting(BreakerStatus::state).containsExactly(State.OPEN);

        // Open: the first job's other scope runs; none of the second job's items (all in db1) is claimed.
        assertThat(keys(queue.claim("b", 20, LEASE))).containsExactly("ok/1", "ok/2");
        assertThat(queue.claim("b", 20, LEASE)).isEmpty();

        // Its open time has passed: exactly one trial call, marked as one, for the whole ledger.
        named.forceOpen("db1", null, Instant.now().minusSeconds(3600), Instant.now().minusSeconds(60), "test: open time passed");
        List<Lease> trial = queue.claim("a", 20, LEASE);
        assertThat(trial).hasSize(1).allMatch(Lease::trial);
        assertThat(trial.get(0).jobId()).isEqualTo(second.id());
        assertThat(queue.claim("b", 20, LEASE)).isEmpty();
        assertThat(state("db1")).isEqualTo(State.HALF_OPEN);

        // The trial succeeds: the breaker closes, and the scope's items of both jobs are claimed again.
        Transition closed = finish(trial.get(0), true).orElseThrow();
        assertThat(closed.to()).isEqualTo(State.CLOSED);
        assertThat(state("db1")).isEqualTo(State.CLOSED);
        assertThat(queue.claim("a", 20, LEASE)).hasSize(2).noneMatch(Lease::trial)
                .allMatch(l -> l.item().breakerScope().equals("db1"));
        assertThat(events(first, BreakerStatus.OPENED)).isEqualTo(1);
        assertThat(events(second, BreakerStatus.HALF_OPEN)).isEqualTo(1);
        assertThat(events(second, BreakerStatus.CLOSED)).isEqualTo(1);
    }

    @Test
    void a_fail_mode_job_fails_the_items_of_a_scope_another_job_opened_and_a_manual_reset_lets_them_run() {
        Job opener = submit(BreakerConfig.OnOpen.PAUSE, "db2=2");
        List<Lease> failing = queue.claim("a", 2, LEASE);
        finish(failing.get(0), false);
        finish(failing.get(1), false).orElseThrow();

        Job failer = submit(BreakerConfig.OnOpen.FAIL, "db2=3", "ok=1");
        assertThat(keys(queue.claim("a", 20, LEASE))).containsExactly("ok/1");
        List<Item> rejected = queue.ledger().items(failer.id(), ItemQuery.all(100)).stream()
                .filter(i -> i.breakerScope().equals("db2")).toList();
        assertThat(rejected).hasSize(3).allSatisfy(i -> {
            assertThat(i.status()).isEqualTo(ItemStatus.FAILED);
            assertThat(i.category()).isEqualTo("breaker-open");
            assertThat(i.message()).startsWith("the breaker of scope db2 is open until ");
            assertThat(i.attempts()).isZero();
        });

        // Reset by hand (bulwark breaker reset db2): the pausing job's items are claimed at once, not as trials.
        assertThat(named.reset("db2", Instant.now())).isTrue();
        Job waiting = submit(BreakerConfig.OnOpen.PAUSE, "db2=1");
        assertThat(queue.claim("a", 20, LEASE)).extracting(Lease::jobId).containsOnly(waiting.id());
        assertThat(opener.id()).isNotEqualTo(waiting.id());
    }

    @Test
    void an_interrupted_trial_frees_its_place_and_the_next_claim_takes_the_trial() {
        submit(BreakerConfig.OnOpen.PAUSE, "db3=4");
        List<Lease> failing = queue.claim("a", 2, LEASE);
        finish(failing.get(0), false);
        finish(failing.get(1), false).orElseThrow();
        named.forceOpen("db3", null, Instant.now().minusSeconds(3600), Instant.now().minusSeconds(60), "test: open time passed");

        Lease trial = queue.claim("a", 20, LEASE).get(0);
        assertThat(trial.trial()).isTrue();
        Item item = trial.item();
        Attempt interrupted = new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(),
                item.startedAt().plusMillis(5), AttemptOutcome.INTERRUPTED, null, "interrupted", null, null, 5, "test", null);
        assertThat(queue.complete(trial, Completion.of(interrupted, trial.fence(), ItemStatus.PENDING),
                queue.ledger().findJob(item.jobId()).orElseThrow().config().breaker())).isEmpty();
        assertThat(named.find("db3").orElseThrow().state().trialsInFlight()).isZero();

        assertThat(queue.claim("b", 20, LEASE)).hasSize(1).allMatch(Lease::trial);
    }
}
