package dev.bulwark.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobResult;
import dev.bulwark.JobStatus;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.MemoryLedger;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dispatcher claims ahead on a thread of its own while it starts what it claimed before. A run
 * that stops while such a claim is under way gives back what that claim took, as it gives back the
 * rest of what it claimed ahead: no item stays RUNNING, and resuming runs each item to exactly one
 * success. The test holds such a claim inside the ledger, keeps both slots busy so that the
 * dispatcher still has claimed items waiting when the pause comes (it then stops without taking
 * the claim's answer itself), and lets the claim go only once the dispatcher gives back what was
 * waiting: the stop always meets a claim under way.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackgroundClaimTest {
    private static final int ITEMS = 20_000;

    @Test
    void a_claim_under_way_when_the_run_pauses_is_given_back_and_resume_runs_every_item_once() throws Exception {
        MemoryLedger real = new MemoryLedger();
        AtomicBoolean holdNext = new AtomicBoolean();
        CountDownLatch claimHeld = new CountDownLatch(1);
        CountDownLatch releaseClaim = new CountDownLatch(1);
        CountDownLatch slotsHeld = new CountDownLatch(2);
        CountDownLatch pauseAsked = new CountDownLatch(1);
        Ledger ledger = (Ledger) Proxy.newProxyInstance(Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class},
                (proxy, method, args) -> {
                    // A claim ahead of at least 64 items starts with at least 30 claimed items waiting for a slot.
                    if (method.getName().equals("claim") && Thread.currentThread().getName().equals("bulwark-claim-ahead")
                            && (int) args[2] >= 64 && holdNext.compareAndSet(true, false)) {
                        claimHeld.countDown();
                        releaseClaim.await();
                    }
                    if (method.getName().equals("reject")) {
                        releaseClaim.countDown(); // the dispatcher gives back what waited: it has stopped
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (Engine engine = Engine.builder().ledger(ledger).build()) {
            Job job = engine.submit("background-claims", JobConfig.builder().concurrency(2).build(),
                    IntStream.rangeClosed(1, ITEMS).mapToObj(i -> Engine.ItemSpec.of("item-" + i)).iterator());
            CompletableFuture<JobResult> run = CompletableFuture.supplyAsync(() -> engine.run(job.id(), ctx -> {
                if (ctx.seq() == 3_000) {
                    holdNext.set(true); // items this short are claimed ahead, on the claim thread
                }
                if (claimHeld.getCount() == 0) {
                    slotsHeld.countDown();
                    pauseAsked.await();
                }
                return AttemptResult.success();
            }));
            assertThat(claimHeld.await(20, TimeUnit.SECONDS)).as("a claim made ahead on its own thread").isTrue();
            assertThat(slotsHeld.await(20, TimeUnit.SECONDS)).as("both slots busy").isTrue();

            engine.pause(job.id(), "paused by test");
            pauseAsked.countDown();
            JobResult paused = run.get(20, TimeUnit.SECONDS);

            assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
            assertThat(real.items(job.id(), ItemQuery.all(ITEMS))).noneMatch(i -> i.status() == ItemStatus.RUNNING);
            assertThat(paused.counts().succeeded() + paused.counts().pending()).isEqualTo(ITEMS);
            assertThat(paused.counts().pending()).as("items not run before the pause").isPositive();

            JobResult resumed = engine.run(job.id(), ctx -> AttemptResult.success());

            assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(resumed.counts().succeeded()).isEqualTo(ITEMS);
            for (long seq = 1; seq <= ITEMS; seq++) {
                assertThat(real.attempts(job.id(), seq)).as("attempts of item " + seq)
                        .filteredOn(a -> a.outcome() == AttemptOutcome.SUCCEEDED).hasSize(1);
                assertThat(real.attempts(job.id(), seq)).extracting(Attempt::outcome)
                        .allMatch(o -> o == AttemptOutcome.SUCCEEDED || o == AttemptOutcome.INTERRUPTED);
            }
        }
    }
}
