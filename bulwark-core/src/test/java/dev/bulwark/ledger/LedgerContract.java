package dev.bulwark.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.FailureThreshold;
import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobCounts;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import dev.bulwark.RetryPolicy;
import dev.bulwark.exec.ExecSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link Ledger} must have, run against each implementation by extending
 * this class. All instants are whole seconds, so ledgers that store milliseconds compare equal.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class LedgerContract {
    protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    protected static final String WORKER = "worker-1";

    protected Ledger ledger;

    /** A fresh, empty ledger; closed after each test. */
    protected abstract Ledger newLedger();

    @BeforeEach
    void openLedger() {
        ledger = newLedger();
    }

    @AfterEach
    void closeLedger() {
        ledger.close();
    }

    // ---- jobs ---------------------------------------------------------------------------------

    @Test
    void stores_a_job_with_all_its_fields() {
        Job job = new Job(UUID.randomUUID(), "nightly import", 3, "acme", JobStatus.QUEUED, null,
                JobConfig.builder().concurrency(5).build(), 0, T0, null, null);

        ledger.createJob(job);

        assertThat(ledger.findJob(job.id())).contains(job);
    }

    @Test
    void refuses_a_second_job_with_the_same_id() {
        Job job = newJob("first", T0);

        assertThatThrownBy(() -> ledger.createJob(Job.newJob(job.id(), "second", JobConfig.builder().build(), T0)))
                .isInstanceOf(BulwarkException.class)
                .hasMessageContaining(job.id().toString());
        assertThat(ledger.findJob(job.id())).get().extracting(Job::name).isEqualTo("first");
    }

    @Test
    void finds_nothing_for_an_unknown_job() {
        assertThat(ledger.findJob(UUID.randomUUID())).isEmpty();
        assertThat(ledger.findItem(UUID.randomUUID(), 1)).isEmpty();
    }

    @Test
    void round_trips_the_config_snapshot_unchanged() {
        ExecSpec exec = new ExecSpec(List.of("convert", "{}", "--out", "{/.}.png"), false, Set.of(2, 65), Set.of(3),
                Duration.ofSeconds(2), 4_096);
        JobConfig config = JobConfig.builder()
                .concurrency(8)
                .retry(RetryPolicy.exponential(4, Duration.ofMillis(250), Duration.ofSeconds(90)).withJitter(0.1))
                .attemptTimeout(Duration.ofMinutes(3).plusMillis(500))
                .failureThreshold(FailureThreshold.parse("10%"))
                .exec(exec)
                .input("dir", "/data/in")
                .input("glob", "*.pdf")
                .build();
        JobConfig ordered = JobConfig.builder().ordered(true).failureThreshold(FailureThreshold.parse("3"))
                .exec(new ExecSpec(List.of("send $1"), true, Set.of(), Set.of(), Duration.ZERO, 1)).build();
        Job job = Job.newJob(UUID.randomUUID(), "convert", config, T0);
        Job orderedJob = Job.newJob(UUID.randomUUID(), "send", ordered, T0);

        ledger.createJob(job);
        ledger.createJob(orderedJob);

        assertThat(ledger.findJob(job.id()).orElseThrow().config()).isEqualTo(config);
        assertThat(ledger.findJob(orderedJob.id()).orElseThrow().config()).isEqualTo(ordered);
    }

    @Test
    void lists_jobs_newest_first() {
        Job old = newJob("old", T0);
        Job newest = newJob("newest", T0.plusSeconds(20));
        Job middle = newJob("middle", T0.plusSeconds(10));

        assertThat(ledger.listJobs(JobQuery.all())).extracting(Job::id).containsExactly(newest.id(), middle.id(), old.id());
    }

    @Test
    void lists_only_jobs_with_the_requested_statuses() {
        Job queued = newJob("queued", T0);
        Job running = newJob("running", T0.plusSeconds(1));
        Job paused = newJob("paused", T0.plusSeconds(2));
        ledger.transition(running.id(), JobStatus.RUNNING, null, T0.plusSeconds(5));
        ledger.transition(paused.id(), JobStatus.PAUSED, "by user", T0.plusSeconds(5));

        assertThat(ledger.listJobs(new JobQuery(Set.of(JobStatus.RUNNING, JobStatus.PAUSED), 10)))
                .extracting(Job::id).containsExactly(paused.id(), running.id());
        assertThat(ledger.listJobs(new JobQuery(Set.of(JobStatus.QUEUED), 10))).extracting(Job::id).containsExactly(queued.id());
        assertThat(ledger.listJobs(new JobQuery(Set.of(JobStatus.COMPLETED), 10))).isEmpty();
    }

    @Test
    void lists_at_most_the_limit_of_jobs() {
        for (int i = 0; i < 5; i++) {
            newJob("job " + i, T0.plusSeconds(i));
        }

        assertThat(ledger.listJobs(new JobQuery(Set.of(), 2))).extracting(Job::name).containsExactly("job 4", "job 3");
    }

    @Test
    void transition_sets_status_reason_and_times() {
        Job job = newJob("job", T0);

        Job running = ledger.transition(job.id(), JobStatus.RUNNING, null, T0.plusSeconds(1));
        Job paused = ledger.transition(job.id(), JobStatus.PAUSED, "paused by user", T0.plusSeconds(2));
        Job resumed = ledger.transition(job.id(), JobStatus.RUNNING, null, T0.plusSeconds(3));
        Job failed = ledger.transition(job.id(), JobStatus.FAILED, "3 failures in a row", T0.plusSeconds(4));

        assertThat(running).extracting(Job::status, Job::startedAt, Job::finishedAt)
                .containsExactly(JobStatus.RUNNING, T0.plusSeconds(1), null);
        assertThat(paused).extracting(Job::status, Job::reason).containsExactly(JobStatus.PAUSED, "paused by user");
        assertThat(resumed).extracting(Job::startedAt, Job::reason).containsExactly(T0.plusSeconds(1), null);
        assertThat(failed).extracting(Job::status, Job::reason, Job::finishedAt)
                .containsExactly(JobStatus.FAILED, "3 failures in a row", T0.plusSeconds(4));
        assertThat(ledger.findJob(job.id())).contains(failed);
    }

    @Test
    void a_revised_configuration_replaces_the_snapshot_and_keeps_the_rest_of_the_job() {
        Job job = newJob("job", T0);
        Job partial = ledger.transition(job.id(), JobStatus.RUNNING, null, T0.plusSeconds(1));
        partial = ledger.transition(job.id(), JobStatus.PARTIAL, "1 failed", T0.plusSeconds(2));
        dev.bulwark.JobConfig revised = dev.bulwark.JobConfig.builder().concurrency(7)
                .retry(dev.bulwark.RetryPolicy.exponential(9, java.time.Duration.ofSeconds(2), java.time.Duration.ofMinutes(1)))
                .attemptTimeout(java.time.Duration.ofSeconds(30)).build();

        Job changed = ledger.reviseConfig(job.id(), revised);

        assertThat(changed.config()).isEqualTo(revised);
        assertThat(ledger.findJob(job.id()).orElseThrow()).isEqualTo(partial.withConfig(revised));
        assertThatThrownBy(() -> ledger.reviseConfig(java.util.UUID.randomUUID(), revised))
                .isInstanceOf(dev.bulwark.NotFoundException.class);
    }

    @Test
    void a_requeued_job_loses_its_finish_time() {
        Job job = newJob("job", T0);
        ledger.transition(job.id(), JobStatus.RUNNING, null, T0.plusSeconds(1));
        ledger.transition(job.id(), JobStatus.PARTIAL, null, T0.plusSeconds(2));

        Job requeued = ledger.transition(job.id(), JobStatus.QUEUED, null, T0.plusSeconds(3));

        assertThat(requeued).extracting(Job::status, Job::startedAt, Job::finishedAt)
                .containsExactly(JobStatus.QUEUED, T0.plusSeconds(1), null);
        assertThat(ledger.findJob(job.id())).contains(requeued);
    }

    @Test
    void transition_rejects_changes_outside_the_table_and_writes_nothing() {
        Job job = newJob("job", T0);
        ledger.transition(job.id(), JobStatus.RUNNING, null, T0.plusSeconds(1));
        Job completed = ledger.transition(job.id(), JobStatus.COMPLETED, null, T0.plusSeconds(2));

        assertThatThrownBy(() -> ledger.transition(job.id(), JobStatus.RUNNING, "again", T0.plusSeconds(3)))
                .isInstanceOf(InvalidTransitionException.class)
                .hasMessageContaining("COMPLETED").hasMessageContaining("RUNNING");
        assertThat(ledger.findJob(job.id())).contains(completed);
    }

    @Test
    void a_queued_job_cannot_complete_without_running() {
        Job job = newJob("job", T0);

        assertThatThrownBy(() -> ledger.transition(job.id(), JobStatus.COMPLETED, null, T0))
                .isInstanceOf(InvalidTransitionException.class);
        assertThat(ledger.findJob(job.id()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
    }

    // ---- items --------------------------------------------------------------------------------

    @Test
    void adding_items_raises_the_total_and_keeps_their_order() {
        Job job = newJob("job", T0);

        ledger.addItems(job.id(), List.of(new NewItem(1, "a.txt", "{\"size\":1}", "host-a"), new NewItem(2, "b.txt", null, null)));
        ledger.addItems(job.id(), List.of(new NewItem(3, "c.txt", null, "host-b")));

        assertThat(ledger.findJob(job.id()).orElseThrow().total()).isEqualTo(3);
        assertThat(ledger.items(job.id(), ItemQuery.all(10)))
                .extracting(Item::seq, Item::key, Item::payload, Item::scope, Item::status)
                .containsExactly(tuple(1L, "a.txt", "{\"size\":1}", "host-a", ItemStatus.PENDING),
                        tuple(2L, "b.txt", null, null, ItemStatus.PENDING),
                        tuple(3L, "c.txt", null, "host-b", ItemStatus.PENDING));
    }

    @Test
    void a_new_item_is_pending_without_any_attempt() {
        Job job = jobWithItems(1);

        assertThat(ledger.findItem(job.id(), 1)).contains(new Item(job.id(), 1, "item-1", null, null, ItemStatus.PENDING,
                0, 0, 0, 0, null, null, null, null, null, null, null, null, null));
    }

    @Test
    void refuses_items_whose_sequence_numbers_do_not_increase_and_adds_none_of_them() {
        Job job = jobWithItems(2);

        assertThatThrownBy(() -> ledger.addItems(job.id(), List.of(new NewItem(3, "c", null, null), new NewItem(2, "again", null, null))))
                .isInstanceOf(BulwarkException.class).hasMessageContaining("2");
        assertThatThrownBy(() -> ledger.addItems(job.id(), List.of(new NewItem(4, "d", null, null), new NewItem(4, "d", null, null))))
                .isInstanceOf(BulwarkException.class);

        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::key).containsExactly("item-1", "item-2");
        assertThat(ledger.findJob(job.id()).orElseThrow().total()).isEqualTo(2);
    }

    // ---- claims -------------------------------------------------------------------------------

    @Test
    void claims_due_items_in_sequence_order() {
        Job job = jobWithItems(5);

        List<Item> first = ledger.claim(job.id(), T0, 3, false);
        List<Item> rest = ledger.claim(job.id(), T0, 10, false);

        assertThat(first).extracting(Item::seq).containsExactly(1L, 2L, 3L);
        assertThat(rest).extracting(Item::seq).containsExactly(4L, 5L);
        assertThat(ledger.claim(job.id(), T0, 10, false)).isEmpty();
    }

    @Test
    void a_claimed_item_is_running_with_its_next_attempt_number() {
        Job job = jobWithItems(1);

        Item claimed = ledger.claim(job.id(), T0.plusSeconds(7), 1, false).get(0);

        assertThat(claimed).extracting(Item::status, Item::startedAt, Item::finishedAt, Item::lastAttempt, Item::attempts)
                .containsExactly(ItemStatus.RUNNING, T0.plusSeconds(7), null, 1, 0);
        assertThat(ledger.findItem(job.id(), 1)).contains(claimed);
    }

    @Test
    void claims_at_most_the_limit() {
        Job job = jobWithItems(10);

        assertThat(ledger.claim(job.id(), T0, 4, false)).hasSize(4);
        assertThat(ledger.counts(job.id()).running()).isEqualTo(4);
    }

    @Test
    void every_claim_gets_a_fresh_fence() {
        Job job = jobWithItems(3);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);
        retryAt(claimed.get(0), T0.plusSeconds(5));

        Item again = ledger.claim(job.id(), T0.plusSeconds(5), 1, false).get(0);

        List<Long> fences = new ArrayList<>(claimed.stream().map(Item::fence).toList());
        fences.add(again.fence());
        assertThat(fences).doesNotHaveDuplicates();
        assertThat(again.lastAttempt()).isEqualTo(2);
    }

    @Test
    void claims_a_waiting_retry_only_once_it_is_due() {
        Job job = jobWithItems(1);
        retryAt(claimOne(job), T0.plusSeconds(30));

        assertThat(ledger.claim(job.id(), T0.plusSeconds(29), 10, false)).isEmpty();
        assertThat(ledger.claim(job.id(), T0.plusSeconds(30), 10, false))
                .extracting(Item::seq, Item::status, Item::lastAttempt, Item::attempts, Item::nextAttemptAt)
                .containsExactly(tuple(1L, ItemStatus.RUNNING, 2, 1, null));
    }

    @Test
    void merges_due_retries_and_pending_items_in_sequence_order() {
        Job job = jobWithItems(5);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);
        retryAt(claimed.get(0), T0.plusSeconds(1));
        succeed(claimed.get(1));
        retryAt(claimed.get(2), T0.plusSeconds(60));

        assertThat(ledger.claim(job.id(), T0.plusSeconds(1), 2, false)).extracting(Item::seq).containsExactly(1L, 4L);
        assertThat(ledger.claim(job.id(), T0.plusSeconds(1), 10, false)).extracting(Item::seq).containsExactly(5L);
    }

    @Test
    void ordered_claim_takes_only_the_lowest_unfinished_item() {
        Job job = jobWithItems(3);

        assertThat(ledger.claim(job.id(), T0, 10, true)).extracting(Item::seq).containsExactly(1L);
    }

    @Test
    void ordered_claim_takes_nothing_while_the_lowest_item_runs() {
        Job job = jobWithItems(3);
        ledger.claim(job.id(), T0, 1, true);

        assertThat(ledger.claim(job.id(), T0, 10, true)).isEmpty();
    }

    @Test
    void ordered_claim_waits_until_the_lowest_items_retry_is_due() {
        Job job = jobWithItems(3);
        retryAt(ledger.claim(job.id(), T0, 1, true).get(0), T0.plusSeconds(10));

        assertThat(ledger.claim(job.id(), T0.plusSeconds(9), 10, true)).isEmpty();
        assertThat(ledger.claim(job.id(), T0.plusSeconds(10), 10, true)).extracting(Item::seq).containsExactly(1L);
    }

    @Test
    void ordered_claim_moves_on_past_items_with_a_final_outcome() {
        Job job = jobWithItems(3);
        succeed(ledger.claim(job.id(), T0, 1, true).get(0));
        fail(ledger.claim(job.id(), T0, 1, true).get(0));

        assertThat(ledger.claim(job.id(), T0, 10, true)).extracting(Item::seq).containsExactly(3L);
        assertThat(ledger.claim(job.id(), T0, 10, true)).isEmpty();
    }

    // ---- compensations (rollback) -----------------------------------------------------------

    private Attempt compensation(Item item, int number, AttemptOutcome outcome) {
        boolean failed = outcome == AttemptOutcome.COMPENSATION_FAILED;
        return new Attempt(item.jobId(), item.seq(), number, T0.plusSeconds(10), T0.plusSeconds(11), outcome,
                failed ? ErrorClass.TRANSIENT : null, failed ? "exit:1" : null, null, failed ? 1 : 0, 1_000, WORKER, null);
    }

    @Test
    void a_compensation_is_an_attempt_of_its_own_and_makes_the_item_compensated() {
        Job job = jobWithItems(2);
        Item item = claimOne(job);
        succeed(item);

        ledger.recordCompensation(compensation(item, 2, AttemptOutcome.COMPENSATED));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow()).extracting(Item::status, Item::lastAttempt, Item::attempts)
                .containsExactly(ItemStatus.COMPENSATED, 2, 1);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome)
                .containsExactly(AttemptOutcome.SUCCEEDED, AttemptOutcome.COMPENSATED);
        JobCounts c = ledger.counts(job.id());
        assertThat(c).extracting(JobCounts::succeeded, JobCounts::compensated, JobCounts::done).containsExactly(0L, 1L, 1L);
    }

    @Test
    void a_failed_compensation_is_recorded_and_the_item_stays_succeeded() {
        Job job = jobWithItems(1);
        Item item = claimOne(job);
        succeed(item);

        ledger.recordCompensation(compensation(item, 2, AttemptOutcome.COMPENSATION_FAILED));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow()).extracting(Item::status, Item::category)
                .containsExactly(ItemStatus.SUCCEEDED, "exit:1");
        assertThat(ledger.attempts(job.id(), 1)).hasSize(2);
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(1);
    }

    @Test
    void only_a_succeeded_item_can_be_compensated_and_only_once() {
        Job job = jobWithItems(2);
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);
        succeed(claimed.get(0));
        fail(claimed.get(1));
        ledger.recordCompensation(compensation(claimed.get(0), 2, AttemptOutcome.COMPENSATED));

        assertThatThrownBy(() -> ledger.recordCompensation(compensation(claimed.get(0), 3, AttemptOutcome.COMPENSATED)))
                .isInstanceOf(InvalidTransitionException.class);
        assertThatThrownBy(() -> ledger.recordCompensation(compensation(claimed.get(1), 2, AttemptOutcome.COMPENSATED)))
                .isInstanceOf(InvalidTransitionException.class);
        assertThat(ledger.attempts(job.id(), 1)).hasSize(2);
        assertThat(ledger.attempts(job.id(), 2)).hasSize(1);
    }

    // ---- breaker scopes and rejections -----------------------------------------------------

    /** Items 1..6 in scopes a, b, (none), a, b, (none). */
    private Job jobWithScopes() {
        Job job = newJob("scoped", T0);
        String[] scopes = {"a", "b", null, "a", "b", ""};
        ledger.addItems(job.id(), IntStream.rangeClosed(1, 6)
                .mapToObj(i -> new NewItem(i, "item-" + i, null, scopes[i - 1])).toList());
        return job;
    }

    @Test
    void a_claim_leaves_out_the_skipped_scopes_and_they_keep_their_place() {
        Job job = jobWithScopes();

        assertThat(ledger.claim(job.id(), T0, 10, false, ScopeFilter.skipping(Set.of("a", Item.JOB_SCOPE))))
                .extracting(Item::seq).containsExactly(2L, 5L);
        assertThat(ledger.claim(job.id(), T0, 10, false)).extracting(Item::seq).containsExactly(1L, 3L, 4L, 6L);
    }

    @Test
    void a_claim_can_take_one_scope_only_including_its_due_retries() {
        Job job = jobWithScopes();
        retryAt(ledger.claim(job.id(), T0, 1, false).get(0), T0.plusSeconds(5));

        assertThat(ledger.claim(job.id(), T0.plusSeconds(5), 10, false, ScopeFilter.only("a")))
                .extracting(Item::seq).containsExactly(1L, 4L);
        assertThat(ledger.claim(job.id(), T0, 1, false, ScopeFilter.only(Item.JOB_SCOPE)))
                .extracting(Item::seq).containsExactly(3L);
    }

    @Test
    void a_skipped_due_retry_does_not_use_up_the_limit() {
        Job job = jobWithScopes();
        List<Item> firstTwo = ledger.claim(job.id(), T0, 2, false);
        retryAt(firstTwo.get(0), T0);

        assertThat(ledger.claim(job.id(), T0, 1, false, ScopeFilter.skipping(Set.of("a"))))
                .extracting(Item::seq).containsExactly(3L);
    }

    @Test
    void an_ordered_claim_takes_nothing_when_the_lowest_item_is_in_a_skipped_scope() {
        Job job = jobWithScopes();

        assertThat(ledger.claim(job.id(), T0, 1, true, ScopeFilter.skipping(Set.of("a")))).isEmpty();
        assertThat(ledger.claim(job.id(), T0, 1, true, ScopeFilter.only("a"))).extracting(Item::seq).containsExactly(1L);
    }

    // ---- order per scope -------------------------------------------------------------------

    /** A job ordered by scope with items 1..6 in order scopes a, a, b, a, b, c (breaker scopes x, y, x, y, x, y). */
    private Job jobOrderedByScope() {
        Job job = Job.newJob(UUID.randomUUID(), "ordered-by", JobConfig.builder().concurrency(4).orderedBy("{//}").build(), T0);
        ledger.createJob(job);
        String[] keys = {"a", "a", "b", "a", "b", "c"};
        ledger.addItems(job.id(), IntStream.rangeClosed(1, 6)
                .mapToObj(i -> new NewItem(i, keys[i - 1] + "/" + i, null, i % 2 == 1 ? "x" : "y", keys[i - 1])).toList());
        return job;
    }

    @Test
    void a_claim_ordered_by_scope_takes_only_the_lowest_unfinished_item_of_each_scope() {
        Job job = jobOrderedByScope();

        List<Item> claimed = ledger.claim(job.id(), T0, 10, false);
        assertThat(claimed).extracting(Item::seq).containsExactly(1L, 3L, 6L);
        assertThat(ledger.claim(job.id(), T0, 10, false)).as("every scope's head runs").isEmpty();

        succeed(claimed.get(0));
        assertThat(ledger.claim(job.id(), T0, 10, false)).extracting(Item::seq).containsExactly(2L);
    }

    @Test
    void a_claim_ordered_by_scope_keeps_a_scope_waiting_for_its_heads_retry() {
        Job job = jobOrderedByScope();
        List<Item> claimed = ledger.claim(job.id(), T0, 2, false);
        assertThat(claimed).extracting(Item::seq).containsExactly(1L, 3L);
        retryAt(claimed.get(0), T0.plusSeconds(10));
        fail(claimed.get(1));

        assertThat(ledger.claim(job.id(), T0.plusSeconds(9), 10, false)).extracting(Item::seq).containsExactly(5L, 6L);
        assertThat(ledger.claim(job.id(), T0.plusSeconds(10), 10, false)).extracting(Item::seq).containsExactly(1L);
    }

    @Test
    void a_claim_ordered_by_scope_honours_the_breaker_scopes_left_out() {
        Job job = jobOrderedByScope();

        assertThat(ledger.claim(job.id(), T0, 10, false, ScopeFilter.only("y"))).extracting(Item::seq).containsExactly(6L);
        assertThat(ledger.claim(job.id(), T0, 10, false, ScopeFilter.skipping(Set.of("x")))).as("2 and 4 wait for 1").isEmpty();
        assertThat(ledger.claim(job.id(), T0, 10, false, ScopeFilter.only("x"))).extracting(Item::seq).containsExactly(1L, 3L);
    }

    @Test
    void a_rejected_item_goes_back_to_pending_without_an_attempt() {
        Job job = jobWithItems(2);
        Item claimed = claimOne(job);

        ledger.reject(new Rejection(job.id(), claimed.seq(), claimed.fence(), ItemStatus.PENDING, null, null, T0));

        Item back = ledger.findItem(job.id(), 1).orElseThrow();
        assertThat(back).extracting(Item::status, Item::lastAttempt, Item::attempts)
                .containsExactly(ItemStatus.PENDING, 0, 0);
        assertThat(ledger.attempts(job.id(), 1)).isEmpty();
        assertThat(ledger.claim(job.id(), T0, 1, false)).extracting(Item::seq, Item::lastAttempt)
                .containsExactly(tuple(1L, 1));
    }

    @Test
    void a_rejection_can_fail_an_item_without_an_attempt() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);

        ledger.reject(new Rejection(job.id(), 1, claimed.fence(), ItemStatus.FAILED, "breaker-open",
                "the breaker of scope * is open until 2026-01-01T00:01:00Z", T0.plusSeconds(3)));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow())
                .extracting(Item::status, Item::lastAttempt, Item::errorClass, Item::category, Item::finishedAt)
                .containsExactly(ItemStatus.FAILED, 0, ErrorClass.PERMANENT, "breaker-open", T0.plusSeconds(3));
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().message()).contains("open until");
        assertThat(ledger.attempts(job.id(), 1)).isEmpty();
        assertThat(ledger.counts(job.id()).failed()).isEqualTo(1);
    }

    @Test
    void a_rejection_with_a_stale_fence_changes_nothing() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);

        assertThatThrownBy(() -> ledger.reject(new Rejection(job.id(), 1, claimed.fence() + 1_000, ItemStatus.PENDING,
                null, null, T0))).isInstanceOf(StaleFenceException.class);
        succeed(claimed);
        assertThatThrownBy(() -> ledger.reject(new Rejection(job.id(), 1, claimed.fence(), ItemStatus.PENDING,
                null, null, T0))).isInstanceOf(StaleFenceException.class);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);
    }

    @Test
    void a_claim_sees_completions_queued_before_it() {
        Job job = jobWithItems(2);
        Item first = ledger.claim(job.id(), T0, 1, true).get(0);

        CompletableFuture<Void> done = ledger.complete(Completion.of(attempt(first, AttemptOutcome.SUCCEEDED), first.fence(),
                ItemStatus.SUCCEEDED));
        List<Item> next = ledger.claim(job.id(), T0, 1, true);

        assertThat(next).extracting(Item::seq).containsExactly(2L);
        done.join();
    }

    // ---- completions --------------------------------------------------------------------------

    @Test
    void completing_keeps_the_attempt_and_moves_the_item_on() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        Attempt attempt = new Attempt(job.id(), 1, 1, T0, T0.plusSeconds(2), AttemptOutcome.SUCCEEDED, null, null, null, 0,
                2_000, WORKER, "/logs/1.log");

        ledger.complete(Completion.of(attempt, claimed.fence(), ItemStatus.SUCCEEDED)).join();

        assertThat(ledger.attempts(job.id(), 1)).containsExactly(attempt);
        assertThat(ledger.findItem(job.id(), 1)).contains(new Item(job.id(), 1, "item-1", null, null, ItemStatus.SUCCEEDED,
                1, 0, 1, claimed.fence(), null, T0, T0.plusSeconds(2), null, null, null, 0, 2_000L, "/logs/1.log"));
    }

    @Test
    void a_failure_copies_its_fields_to_the_item() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        Attempt attempt = new Attempt(job.id(), 1, 1, T0, T0.plusSeconds(1), AttemptOutcome.FAILED, ErrorClass.PERMANENT,
                "exit:2", "no such file", 2, 1_000, WORKER, null);

        ledger.complete(Completion.of(attempt, claimed.fence(), ItemStatus.FAILED)).join();

        assertThat(ledger.findItem(job.id(), 1).orElseThrow())
                .extracting(Item::status, Item::attempts, Item::errorClass, Item::category, Item::message, Item::exitCode,
                        Item::durationMs, Item::finishedAt)
                .containsExactly(ItemStatus.FAILED, 1, ErrorClass.PERMANENT, "exit:2", "no such file", 2, 1_000L, T0.plusSeconds(1));
        assertThat(ledger.attempts(job.id(), 1)).containsExactly(attempt);
    }

    // ---- results (typed handler results, stored with the item) ------------------------------

    @Test
    void a_succeeded_item_keeps_its_result_and_shows_it_wherever_items_are_read() {
        Job job = jobWithItems(3);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);
        String json = "{\"id\":4711,\"name\":\"Grüße, 東京 ✓\"}";

        ledger.complete(Completion.succeeded(attempt(claimed.get(0), AttemptOutcome.SUCCEEDED), claimed.get(0).fence(), json))
                .join();
        succeed(claimed.get(1));
        fail(claimed.get(2));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow().result()).isEqualTo(json);
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::seq, Item::result)
                .containsExactly(tuple(1L, json), tuple(2L, null), tuple(3L, null));
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.SUCCEEDED), 0, 10))).extracting(Item::result)
                .containsExactly(json, null);
    }

    @Test
    void a_result_of_the_largest_size_round_trips_exactly() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        // 2,730 three-byte characters and two one-byte ones: exactly the limit in UTF-8.
        String largest = "\"" + "€".repeat((dev.bulwark.AttemptResult.MAX_RESULT_BYTES - 2) / 3) + "\"";
        assertThat(largest.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(dev.bulwark.AttemptResult.MAX_RESULT_BYTES);

        ledger.complete(Completion.succeeded(attempt(claimed, AttemptOutcome.SUCCEEDED), claimed.fence(), largest)).join();

        assertThat(ledger.findItem(job.id(), 1).orElseThrow().result()).isEqualTo(largest);
    }

    @Test
    void a_compensated_item_keeps_its_result() {
        Job job = jobWithItems(1);
        Item item = claimOne(job);
        ledger.complete(Completion.succeeded(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(), "17")).join();

        ledger.recordCompensation(compensation(item, 2, AttemptOutcome.COMPENSATED));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow()).extracting(Item::status, Item::result)
                .containsExactly(ItemStatus.COMPENSATED, "17");
    }

    @Test
    void a_completion_carries_a_result_only_when_it_succeeds_and_only_up_to_the_limit() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        String tooLarge = "x".repeat(dev.bulwark.AttemptResult.MAX_RESULT_BYTES + 1);

        assertThatThrownBy(() -> new Completion(attempt(claimed, AttemptOutcome.FAILED), claimed.fence(), ItemStatus.FAILED,
                null, "17")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only a SUCCEEDED item");
        assertThatThrownBy(() -> Completion.succeeded(attempt(claimed, AttemptOutcome.SUCCEEDED), claimed.fence(), tooLarge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("item 1").hasMessageContaining("8193 bytes").hasMessageContaining("limit of 8192");
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.RUNNING);
    }

    @Test
    void a_retry_waits_until_its_due_time() {
        Job job = jobWithItems(1);

        retryAt(claimOne(job), T0.plusSeconds(45));

        assertThat(ledger.findItem(job.id(), 1).orElseThrow())
                .extracting(Item::status, Item::attempts, Item::nextAttemptAt, Item::errorClass, Item::category)
                .containsExactly(ItemStatus.RETRY_WAIT, 1, T0.plusSeconds(45), ErrorClass.TRANSIENT, "timeout");
    }

    @Test
    void an_interrupted_attempt_counts_as_an_interruption_not_an_attempt() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);

        ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.INTERRUPTED), claimed.fence(), ItemStatus.PENDING)).join();

        assertThat(ledger.findItem(job.id(), 1).orElseThrow())
                .extracting(Item::status, Item::attempts, Item::interruptions, Item::lastAttempt)
                .containsExactly(ItemStatus.PENDING, 0, 1, 1);
        assertThat(claimOne(job).lastAttempt()).isEqualTo(2);
    }

    @Test
    void rejects_a_completion_with_a_stale_fence_and_writes_nothing() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);

        CompletableFuture<Void> stale = ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.SUCCEEDED),
                claimed.fence() + 1_000, ItemStatus.SUCCEEDED));

        assertThatThrownBy(stale::join).hasCauseInstanceOf(StaleFenceException.class);
        assertThat(ledger.findItem(job.id(), 1)).contains(claimed);
        assertThat(ledger.attempts(job.id(), 1)).isEmpty();
    }

    @Test
    void rejects_a_second_completion_of_the_same_claim() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        succeed(claimed);

        CompletableFuture<Void> again = ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.FAILED), claimed.fence(),
                ItemStatus.FAILED));

        assertThatThrownBy(again::join).hasCauseInstanceOf(StaleFenceException.class);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome).containsExactly(AttemptOutcome.SUCCEEDED);
    }

    @Test
    void rejects_a_completion_outside_the_transition_table_and_writes_nothing() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);

        CompletableFuture<Void> invalid = ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.SUCCEEDED),
                claimed.fence(), ItemStatus.RUNNING));

        assertThatThrownBy(invalid::join).hasCauseInstanceOf(InvalidTransitionException.class);
        assertThat(ledger.findItem(job.id(), 1)).contains(claimed);
        assertThat(ledger.attempts(job.id(), 1)).isEmpty();
    }

    @Test
    void a_rejected_completion_does_not_fail_the_ones_queued_with_it() {
        Job job = jobWithItems(3);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);

        List<CompletableFuture<Void>> futures = List.of(
                ledger.complete(Completion.of(attempt(claimed.get(0), AttemptOutcome.SUCCEEDED), claimed.get(0).fence(), ItemStatus.SUCCEEDED)),
                ledger.complete(Completion.of(attempt(claimed.get(1), AttemptOutcome.SUCCEEDED), -1, ItemStatus.SUCCEEDED)),
                ledger.complete(Completion.of(attempt(claimed.get(2), AttemptOutcome.SUCCEEDED), claimed.get(2).fence(), ItemStatus.SUCCEEDED)));
        ledger.flush();

        assertThat(futures.get(0)).isCompleted();
        assertThat(futures.get(1)).isCompletedExceptionally();
        assertThat(futures.get(2)).isCompleted();
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status)
                .containsExactly(ItemStatus.SUCCEEDED, ItemStatus.RUNNING, ItemStatus.SUCCEEDED);
    }

    @Test
    void rejects_a_completion_of_an_unknown_item() {
        Job job = jobWithItems(1);
        Attempt attempt = new Attempt(job.id(), 99, 1, T0, T0, AttemptOutcome.SUCCEEDED, null, null, null, null, 0, WORKER, null);

        assertThatThrownBy(ledger.complete(Completion.of(attempt, 1, ItemStatus.SUCCEEDED))::join)
                .hasCauseInstanceOf(NotFoundException.class);
    }

    @Test
    void flush_waits_for_every_write_queued_before_it() {
        Job job = jobWithItems(50);
        List<Item> claimed = ledger.claim(job.id(), T0, 50, false);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (Item item : claimed) {
            futures.add(ledger.complete(Completion.of(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(), ItemStatus.SUCCEEDED)));
            futures.add(ledger.appendEvent(EngineEvent.of(EngineEvent.ITEM_FAILED, job.id(), T0, item.seq(), Map.of())));
        }

        ledger.flush();

        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(ledger.counts(job.id()).succeeded()).isEqualTo(50);
        assertThat(ledger.events(job.id(), 100)).hasSize(50);
    }

    @Test
    void a_dependent_action_of_a_completion_can_call_the_ledger() {
        Job job = jobWithItems(2);
        Item claimed = claimOne(job);

        Item next = ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.SUCCEEDED), claimed.fence(), ItemStatus.SUCCEEDED))
                .thenApply(done -> ledger.claim(job.id(), T0, 1, true).get(0))
                .join();

        assertThat(next.seq()).isEqualTo(2);
    }

    @Test
    void next_due_at_is_the_earliest_waiting_retry() {
        Job job = jobWithItems(3);
        assertThat(ledger.nextDueAt(job.id())).isEmpty();
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);
        retryAt(claimed.get(0), T0.plusSeconds(50));
        retryAt(claimed.get(1), T0.plusSeconds(20));
        succeed(claimed.get(2));

        assertThat(ledger.nextDueAt(job.id())).contains(T0.plusSeconds(20));
    }

    // ---- recovery, skipping, re-opening -------------------------------------------------------

    @Test
    void recovery_records_an_interrupted_crash_attempt_and_makes_running_items_pending() {
        Job job = jobWithItems(3);
        ledger.claim(job.id(), T0, 2, false);

        int recovered = ledger.recoverInterrupted(job.id(), T0.plusSeconds(30), "worker-2");

        assertThat(recovered).isEqualTo(2);
        assertThat(ledger.attempts(job.id(), 1)).singleElement().satisfies(a -> assertThat(a)
                .extracting(Attempt::number, Attempt::startedAt, Attempt::finishedAt, Attempt::outcome, Attempt::category,
                        Attempt::durationMs, Attempt::worker)
                .containsExactly(1, T0, T0.plusSeconds(30), AttemptOutcome.INTERRUPTED, "crash", 30_000L, "worker-2"));
        assertThat(ledger.items(job.id(), ItemQuery.all(10)))
                .extracting(Item::status, Item::attempts, Item::interruptions, Item::category)
                .containsExactly(tuple(ItemStatus.PENDING, 0, 1, "crash"), tuple(ItemStatus.PENDING, 0, 1, "crash"),
                        tuple(ItemStatus.PENDING, 0, 0, null));
        assertThat(ledger.counts(job.id()).interruptions()).isEqualTo(2);
        assertThat(ledger.recoverInterrupted(job.id(), T0.plusSeconds(31), "worker-2")).isZero();
    }

    @Test
    void a_completion_arriving_after_recovery_is_stale() {
        Job job = jobWithItems(1);
        Item claimed = claimOne(job);
        ledger.recoverInterrupted(job.id(), T0.plusSeconds(5), "worker-2");

        CompletableFuture<Void> late = ledger.complete(Completion.of(attempt(claimed, AttemptOutcome.SUCCEEDED), claimed.fence(),
                ItemStatus.SUCCEEDED));

        assertThatThrownBy(late::join).hasCauseInstanceOf(StaleFenceException.class);
        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::outcome).containsExactly(AttemptOutcome.INTERRUPTED);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.PENDING);
    }

    @Test
    void skip_remaining_skips_pending_and_waiting_items_only() {
        Job job = jobWithItems(5);
        List<Item> claimed = ledger.claim(job.id(), T0, 3, false);
        succeed(claimed.get(0));
        retryAt(claimed.get(1), T0.plusSeconds(60));

        long skipped = ledger.skipRemaining(job.id(), T0.plusSeconds(2));

        assertThat(skipped).isEqualTo(3);
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status).containsExactly(ItemStatus.SUCCEEDED,
                ItemStatus.SKIPPED, ItemStatus.RUNNING, ItemStatus.SKIPPED, ItemStatus.SKIPPED);
        assertThat(ledger.nextDueAt(job.id())).isEmpty();
    }

    @Test
    void reopening_failed_items_resets_their_attempts_while_attempt_numbers_go_on() {
        Job job = jobWithItems(2);
        retryAt(claimOne(job), T0);
        fail(ledger.claim(job.id(), T0, 1, false).get(0));
        succeed(claimOne(job));

        long reopened = ledger.reopen(job.id(), ItemStatus.FAILED);

        assertThat(reopened).isEqualTo(1);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow()).extracting(Item::status, Item::attempts, Item::nextAttemptAt)
                .containsExactly(ItemStatus.PENDING, 0, null);
        assertThat(claimOne(job)).extracting(Item::seq, Item::lastAttempt).containsExactly(1L, 3);
        assertThat(ledger.findItem(job.id(), 2).orElseThrow().status()).isEqualTo(ItemStatus.SUCCEEDED);
    }

    @Test
    void finished_items_are_counted_per_interval_of_their_finishing_time() {
        Job job = jobWithItems(4);
        fail(claimOne(job));
        succeed(claimOne(job));
        succeed(claimOne(job));
        claimOne(job); // still running: not counted

        List<FinishedInterval> all = ledger.finishedOverTime(job.id(), T0.minusSeconds(10), java.time.Duration.ofMinutes(1));
        List<FinishedInterval> later = ledger.finishedOverTime(job.id(), T0.plus(java.time.Duration.ofDays(1)), java.time.Duration.ofMinutes(1));

        assertThat(all).hasSize(1);
        assertThat(all.get(0)).isEqualTo(new FinishedInterval(0, 2, 1));
        assertThat(ledger.finishedOverTime(job.id(), T0.minusSeconds(10), java.time.Duration.ofSeconds(5)))
                .containsExactly(new FinishedInterval(2, 2, 1)); // finished at T0 + 1 s: 11 s after the start
        assertThat(later).isEmpty();
    }

    @Test
    void reopening_one_failed_item_leaves_the_others_as_they_are() {
        Job job = jobWithItems(3);
        fail(claimOne(job));
        fail(claimOne(job));
        succeed(claimOne(job));

        assertThat(ledger.reopenItem(job.id(), 2)).isTrue();

        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status)
                .containsExactly(ItemStatus.FAILED, ItemStatus.PENDING, ItemStatus.SUCCEEDED);
        assertThat(ledger.findItem(job.id(), 2).orElseThrow()).extracting(Item::attempts, Item::nextAttemptAt).containsExactly(0, null);
        assertThat(claimOne(job)).extracting(Item::seq, Item::lastAttempt).containsExactly(2L, 2);
    }

    @Test
    void reopening_an_item_without_a_failed_or_skipped_outcome_changes_nothing() {
        Job job = jobWithItems(2);
        succeed(claimOne(job));

        assertThat(ledger.reopenItem(job.id(), 1)).isFalse();
        assertThat(ledger.reopenItem(job.id(), 2)).isFalse();
        assertThat(ledger.reopenItem(job.id(), 3)).isFalse();
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status)
                .containsExactly(ItemStatus.SUCCEEDED, ItemStatus.PENDING);
    }

    @Test
    void reopening_skipped_items_makes_them_pending() {
        Job job = jobWithItems(3);
        succeed(claimOne(job));
        ledger.skipRemaining(job.id(), T0);

        assertThat(ledger.reopen(job.id(), ItemStatus.SKIPPED)).isEqualTo(2);
        assertThat(ledger.items(job.id(), ItemQuery.all(10))).extracting(Item::status)
                .containsExactly(ItemStatus.SUCCEEDED, ItemStatus.PENDING, ItemStatus.PENDING);
    }

    @Test
    void reopening_refuses_statuses_other_than_failed_or_skipped() {
        Job job = jobWithItems(1);

        assertThatThrownBy(() -> ledger.reopen(job.id(), ItemStatus.SUCCEEDED)).isInstanceOf(IllegalArgumentException.class);
        assertThat(ledger.findItem(job.id(), 1).orElseThrow().status()).isEqualTo(ItemStatus.PENDING);
    }

    // ---- reading ------------------------------------------------------------------------------

    @Test
    void counts_items_by_status_with_retries_and_interruptions() {
        Job job = jobWithItems(8);
        List<Item> claimed = ledger.claim(job.id(), T0, 6, false);
        succeed(claimed.get(0));
        retryAt(claimed.get(1), T0);
        succeed(ledger.claim(job.id(), T0, 1, false).get(0));
        retryAt(claimed.get(2), T0.plusSeconds(60));
        fail(claimed.get(3));
        ledger.complete(Completion.of(attempt(claimed.get(4), AttemptOutcome.INTERRUPTED), claimed.get(4).fence(),
                ItemStatus.PENDING)).join();

        assertThat(ledger.counts(job.id())).isEqualTo(new JobCounts(8, 3, 1, 1, 2, 1, 0, 1, 1));
        assertThat(ledger.skipRemaining(job.id(), T0)).isEqualTo(4);
        assertThat(ledger.counts(job.id())).isEqualTo(new JobCounts(8, 0, 1, 0, 2, 1, 4, 1, 1));
    }

    @Test
    void counts_of_a_job_without_items_are_zero() {
        Job job = newJob("empty", T0);

        assertThat(ledger.counts(job.id())).isEqualTo(JobCounts.EMPTY);
    }

    @Test
    void pages_through_items_after_a_sequence_number() {
        Job job = jobWithItems(10);

        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(), 0, 4))).extracting(Item::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(), 4, 4))).extracting(Item::seq).containsExactly(5L, 6L, 7L, 8L);
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(), 8, 4))).extracting(Item::seq).containsExactly(9L, 10L);
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(), 10, 4))).isEmpty();
    }

    @Test
    void pages_through_items_of_the_requested_statuses() {
        Job job = jobWithItems(8);
        for (Item item : ledger.claim(job.id(), T0, 8, false)) {
            if (item.seq() % 2 == 0) {
                fail(item);
            } else if (item.seq() % 3 == 0) {
                retryAt(item, T0.plusSeconds(9));
            } else {
                succeed(item);
            }
        }

        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.FAILED), 0, 3))).extracting(Item::seq)
                .containsExactly(2L, 4L, 6L);
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.FAILED), 6, 3))).extracting(Item::seq)
                .containsExactly(8L);
        assertThat(ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.SUCCEEDED, ItemStatus.RETRY_WAIT), 1, 10)))
                .extracting(Item::seq).containsExactly(3L, 5L, 7L);
    }

    @Test
    void lists_an_items_attempts_oldest_first() {
        Job job = jobWithItems(1);
        retryAt(claimOne(job), T0.plusSeconds(1));
        retryAt(ledger.claim(job.id(), T0.plusSeconds(1), 1, false).get(0), T0.plusSeconds(2));
        succeed(ledger.claim(job.id(), T0.plusSeconds(2), 1, false).get(0));

        assertThat(ledger.attempts(job.id(), 1)).extracting(Attempt::number, Attempt::outcome, Attempt::startedAt)
                .containsExactly(tuple(1, AttemptOutcome.FAILED, T0), tuple(2, AttemptOutcome.FAILED, T0.plusSeconds(1)),
                        tuple(3, AttemptOutcome.SUCCEEDED, T0.plusSeconds(2)));
        assertThat(ledger.counts(job.id()).retries()).isEqualTo(2);
    }

    @Test
    void an_item_without_attempts_has_an_empty_history() {
        Job job = jobWithItems(1);

        assertThat(ledger.attempts(job.id(), 1)).isEmpty();
        assertThat(ledger.attempts(job.id(), 42)).isEmpty();
    }

    // ---- events -------------------------------------------------------------------------------

    @Test
    void keeps_only_kept_events_in_their_order() {
        Job job = jobWithItems(1);
        EngineEvent started = new EngineEvent.JobStarted(job.id(), T0, "job", 1, WORKER, Map.of("concurrency", 4));
        EngineEvent failed = new EngineEvent.ItemFailed(job.id(), T0.plusSeconds(2), 1, "item-1", 1, Duration.ofMillis(1500), WORKER,
                2, "exit:2", "exited with 2", ErrorClass.PERMANENT, null);
        EngineEvent finished = new EngineEvent.JobFinished(job.id(), T0.plusSeconds(3), JobStatus.PARTIAL, null, 0, 1, 0, 0, null,
                Duration.ofSeconds(3));

        ledger.appendEvent(started);
        ledger.appendEvent(new EngineEvent.ItemStarted(job.id(), T0.plusSeconds(1), 1, "item-1", 1));
        ledger.appendEvent(new EngineEvent.ItemSucceeded(job.id(), T0.plusSeconds(1), 1, "item-1", 1, Duration.ZERO, WORKER, 0));
        ledger.appendEvent(failed);
        ledger.appendEvent(finished).join();

        assertThat(ledger.events(job.id(), 100)).containsExactly(started, failed, finished);
        assertThat(ledger.events(job.id(), 2)).containsExactly(started, failed);
    }

    @Test
    void events_of_one_job_do_not_show_up_in_another() {
        Job one = newJob("one", T0);
        Job other = newJob("other", T0);

        ledger.appendEvent(new EngineEvent.ItemsFound(one.id(), T0, 0)).join();

        assertThat(ledger.events(one.id(), 10)).hasSize(1);
        assertThat(ledger.events(other.id(), 10)).isEmpty();
    }

    @Test
    void drops_events_of_a_job_it_does_not_hold() {
        UUID pruned = UUID.randomUUID();

        ledger.appendEvent(new EngineEvent.JobPaused(pruned, T0, "paused")).join();

        assertThat(ledger.findJob(pruned)).isEmpty();
    }

    // ---- pruning ------------------------------------------------------------------------------

    @Test
    void prune_deletes_jobs_finished_before_the_cutoff_with_everything_they_hold() {
        Job completed = finishedJob(JobStatus.COMPLETED, T0.plusSeconds(10));
        Job failed = finishedJob(JobStatus.FAILED, T0.plusSeconds(20));
        Job partial = finishedJob(JobStatus.PARTIAL, T0.plusSeconds(30));
        Job cancelled = finishedJob(JobStatus.CANCELLED, T0.plusSeconds(40));
        Job recent = finishedJob(JobStatus.COMPLETED, T0.plusSeconds(100));
        Job running = jobWithItems(1);
        ledger.transition(running.id(), JobStatus.RUNNING, null, T0);

        List<UUID> pruned = ledger.prune(T0.plusSeconds(100), false);

        assertThat(pruned).containsExactlyInAnyOrder(completed.id(), failed.id(), partial.id(), cancelled.id());
        assertThat(ledger.findJob(completed.id())).isEmpty();
        assertThat(ledger.findItem(completed.id(), 1)).isEmpty();
        assertThatThrownBy(() -> ledger.attempts(completed.id(), 1)).isInstanceOf(NotFoundException.class);
        assertThat(ledger.listJobs(JobQuery.all())).extracting(Job::id).containsExactlyInAnyOrder(recent.id(), running.id());
        assertThat(ledger.attempts(recent.id(), 1)).hasSize(1);
        assertThat(ledger.events(recent.id(), 10)).hasSize(1);
    }

    @Test
    void prune_keeping_failed_jobs_keeps_failed_and_partial_ones() {
        Job completed = finishedJob(JobStatus.COMPLETED, T0.plusSeconds(10));
        Job failed = finishedJob(JobStatus.FAILED, T0.plusSeconds(20));
        Job partial = finishedJob(JobStatus.PARTIAL, T0.plusSeconds(30));
        Job cancelled = finishedJob(JobStatus.CANCELLED, T0.plusSeconds(40));

        assertThat(ledger.prune(T0.plusSeconds(100), true)).containsExactlyInAnyOrder(completed.id(), cancelled.id());
        assertThat(ledger.listJobs(JobQuery.all())).extracting(Job::id).containsExactlyInAnyOrder(failed.id(), partial.id());
        assertThat(ledger.items(failed.id(), ItemQuery.all(10))).hasSize(1);
    }

    @Test
    void prune_with_nothing_old_enough_deletes_nothing() {
        Job job = finishedJob(JobStatus.COMPLETED, T0.plusSeconds(10));

        assertThat(ledger.prune(T0.plusSeconds(10), false)).isEmpty();
        assertThat(ledger.findJob(job.id())).isPresent();
    }

    // ---- deleting one job ---------------------------------------------------------------------

    /** Deletes through the ledger, or skips the test for a ledger that does not support it yet. */
    private boolean deleteOrSkip(UUID jobId) {
        try {
            return ledger.delete(jobId);
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    @Test
    void delete_removes_one_finished_job_with_everything_it_holds_and_nothing_else() {
        Job gone = finishedJob(JobStatus.PARTIAL, T0.plusSeconds(10));
        Job kept = finishedJob(JobStatus.COMPLETED, T0.plusSeconds(10));

        assertThat(deleteOrSkip(gone.id())).isTrue();

        assertThat(ledger.findJob(gone.id())).isEmpty();
        assertThat(ledger.findItem(gone.id(), 1)).isEmpty();
        assertThat(ledger.listJobs(JobQuery.all())).extracting(Job::id).containsExactly(kept.id());
        assertThat(ledger.attempts(kept.id(), 1)).hasSize(1);
        assertThat(ledger.delete(gone.id())).isFalse();
    }

    @Test
    void delete_refuses_a_job_that_is_not_finished() {
        assertThat(deleteOrSkip(UUID.randomUUID())).isFalse(); // an unknown job
        Job running = jobWithItems(1);
        ledger.transition(running.id(), JobStatus.RUNNING, null, T0);

        assertThatThrownBy(() -> ledger.delete(running.id())).isInstanceOf(InvalidTransitionException.class);
        assertThat(ledger.findJob(running.id())).isPresent();
        assertThat(ledger.items(running.id(), ItemQuery.all(10))).hasSize(1);
    }

    // ---- unknown jobs -------------------------------------------------------------------------

    @Test
    void every_operation_on_an_unknown_job_throws_not_found() {
        UUID unknown = UUID.randomUUID();

        assertThatThrownBy(() -> ledger.addItems(unknown, List.of(new NewItem(1, "a", null, null)))).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.transition(unknown, JobStatus.RUNNING, null, T0)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.claim(unknown, T0, 10, false)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.nextDueAt(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.recoverInterrupted(unknown, T0, WORKER)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.skipRemaining(unknown, T0)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.reopen(unknown, ItemStatus.FAILED)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.counts(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.items(unknown, ItemQuery.all(10))).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.attempts(unknown, 1)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> ledger.events(unknown, 10)).isInstanceOf(NotFoundException.class);
        assertThat(ledger.listJobs(JobQuery.all())).isEmpty();
    }

    // ---- concurrency --------------------------------------------------------------------------

    @Test
    void concurrent_workers_finish_every_item_exactly_once() throws Exception {
        int total = 2_000;
        Job job = newJob("busy", T0);
        List<NewItem> newItems = IntStream.rangeClosed(1, total).mapToObj(i -> new NewItem(i, "item-" + i, null, null)).toList();
        ledger.addItems(job.id(), newItems);
        ConcurrentHashMap<Long, AtomicInteger> claims = new ConcurrentHashMap<>();
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int batch = 25 + 20 * w;
                running.add(workers.submit(() -> {
                    List<CompletableFuture<Void>> outcomes = new ArrayList<>();
                    List<Item> claimed;
                    // No retries here: an empty claim means no item is left to start.
                    while (!(claimed = ledger.claim(job.id(), T0, batch, false)).isEmpty()) {
                        for (Item item : claimed) {
                            claims.computeIfAbsent(item.seq(), k -> new AtomicInteger()).incrementAndGet();
                            outcomes.add(ledger.complete(Completion.of(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(),
                                    ItemStatus.SUCCEEDED)));
                        }
                    }
                    outcomes.forEach(CompletableFuture::join);
                }));
            }
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }

        assertThat(claims).hasSize(total);
        assertThat(claims.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(ledger.counts(job.id())).isEqualTo(new JobCounts(total, 0, 0, 0, total, 0, 0, 0, 0));
        List<Item> all = ledger.items(job.id(), ItemQuery.all(total));
        assertThat(all).allSatisfy(i -> assertThat(i).extracting(Item::status, Item::attempts, Item::lastAttempt)
                .containsExactly(ItemStatus.SUCCEEDED, 1, 1));
        assertThat(all.stream().map(Item::fence).distinct()).hasSize(total);
        for (long seq = 1; seq <= total; seq += 97) {
            assertThat(ledger.attempts(job.id(), seq)).hasSize(1);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    protected Job newJob(String name, Instant createdAt) {
        Job job = Job.newJob(UUID.randomUUID(), name, JobConfig.builder().build(), createdAt);
        ledger.createJob(job);
        return job;
    }

    /** A QUEUED job created at {@link #T0} with items {@code item-1 … item-n}. */
    protected Job jobWithItems(int n) {
        Job job = newJob("job", T0);
        ledger.addItems(job.id(), IntStream.rangeClosed(1, n).mapToObj(i -> new NewItem(i, "item-" + i, null, null)).toList());
        return job;
    }

    /** A job with one succeeded item and one kept event, finished with {@code status} at {@code at}. */
    protected Job finishedJob(JobStatus status, Instant at) {
        Job job = jobWithItems(1);
        ledger.transition(job.id(), JobStatus.RUNNING, null, T0);
        succeed(claimOne(job));
        ledger.appendEvent(new EngineEvent.JobFinished(job.id(), at, status, null, 0, 0, 0, 0, null, null)).join();
        ledger.transition(job.id(), status, null, at);
        return job;
    }

    protected Item claimOne(Job job) {
        List<Item> claimed = ledger.claim(job.id(), T0, 1, false);
        assertThat(claimed).hasSize(1);
        return claimed.get(0);
    }

    /** The attempt a claimed item ends with: one second after its start. */
    protected static Attempt attempt(Item item, AttemptOutcome outcome) {
        boolean failed = outcome == AttemptOutcome.FAILED;
        return new Attempt(item.jobId(), item.seq(), item.lastAttempt(), item.startedAt(), item.startedAt().plusSeconds(1),
                outcome, failed ? ErrorClass.TRANSIENT : null, failed ? "timeout" : null, failed ? "timed out" : null,
                null, 1_000, WORKER, null);
    }

    protected void succeed(Item item) {
        ledger.complete(Completion.of(attempt(item, AttemptOutcome.SUCCEEDED), item.fence(), ItemStatus.SUCCEEDED)).join();
    }

    protected void fail(Item item) {
        ledger.complete(Completion.of(attempt(item, AttemptOutcome.FAILED), item.fence(), ItemStatus.FAILED)).join();
    }

    protected void retryAt(Item item, Instant due) {
        ledger.complete(new Completion(attempt(item, AttemptOutcome.FAILED), item.fence(), ItemStatus.RETRY_WAIT, due)).join();
    }
}
