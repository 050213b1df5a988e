package dev.bulwark.engine;

import dev.bulwark.util.Durations;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.StopReason;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The rollback of a job stopped by a critical error ({@code --on-critical rollback}): one pass
 * over its succeeded items, newest first, each undone by the compensator in an attempt of its own.
 * Run once per job, by the process that halted it (a run, or the one worker whose halt took).
 */
public final class Rollback {
    private final Ledger ledger;
    private final BulwarkClock clock;
    private final ScheduledExecutorService timers;
    private final Function<Item, Path> logFiles;
    private final String worker;
    private final Consumer<EngineEvent> emit;

    /** @param emit takes the rollback's events (the ledger keeps them; listeners may see them) */
    public Rollback(Ledger ledger, BulwarkClock clock, ScheduledExecutorService timers, Function<Item, Path> logFiles,
                    String worker, Consumer<EngineEvent> emit) {
        this.ledger = ledger;
        this.clock = clock;
        this.timers = timers;
        this.logFiles = logFiles;
        this.worker = worker;
        this.emit = emit;
    }

    /**
     * Undoes every succeeded item, newest first, with the compensator: each compensation is an
     * attempt of its own, and a compensated item becomes COMPENSATED. Returns what it did, for the
     * job's reason.
     */
    public String run(Job job, ItemHandler compensator) {
        List<Item> succeeded = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            List<Item> page = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.SUCCEEDED), after, 5_000));
            succeeded.addAll(page);
            if (page.size() < 5_000) {
                break;
            }
            after = page.get(page.size() - 1).seq();
        }
        succeeded.sort(java.util.Comparator.comparing(Item::finishedAt, java.util.Comparator.nullsFirst(
                java.util.Comparator.<Instant>naturalOrder())).thenComparingLong(Item::seq).reversed());
        emit.accept(new EngineEvent.RollbackStarted(job.id(), clock.now(), succeeded.size()));
        int compensated = 0;
        int failed = 0;
        for (Item item : succeeded) {
            if (compensate(job, compensator, item)) {
                compensated++;
            } else {
                failed++;
            }
        }
        ledger.flush();
        return "rolled back: " + compensated + " item(s) compensated" + (failed == 0 ? "" : ", " + failed
                + " compensation(s) failed (those items stay SUCCEEDED; see their attempts)");
    }

    /** Runs the compensation of one item on its own thread, with the attempt timeout; records it. */
    private boolean compensate(Job job, ItemHandler compensator, Item item) {
        int number = item.lastAttempt() + 1;
        Path logFile = logFiles == null ? null : logFiles.apply(item);
        Instant start = clock.now();
        AttemptContext ctx = new AttemptContext(item, number, 1, job.config().attemptTimeout(), start, logFile, worker);
        long t0 = clock.nanoTime();
        AttemptResult[] result = new AttemptResult[1];
        Thread thread = Thread.ofVirtual().name("bulwark-compensate-" + item.seq()).start(() -> result[0] = HandlerCall.invoke(compensator, ctx));
        ScheduledFuture<?> timeout = job.config().attemptTimeout() == null ? null : timers.schedule(() -> {
            if (ctx.stop(StopReason.TIMEOUT)) {
                thread.interrupt();
            }
        }, job.config().attemptTimeout().toNanos(), TimeUnit.NANOSECONDS);
        try {
            thread.join();
        } catch (InterruptedException e) {
            ctx.stop(StopReason.PAUSE);
            thread.interrupt();
            Thread.currentThread().interrupt();
        } finally {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }
        AttemptResult r = result[0] == null ? AttemptResult.failure(ErrorClass.TRANSIENT, "interrupted", "stopped") : result[0];
        if (!r.succeeded() && ctx.stopReason() == StopReason.TIMEOUT) {
            r = AttemptResult.failure(ErrorClass.TRANSIENT, "timeout", "timed out after " + Durations.format(job.config().attemptTimeout()),
                    r.exitCode());
        }
        boolean ok = r.succeeded();
        Attempt a = new Attempt(job.id(), item.seq(), number, start, clock.now(),
                ok ? AttemptOutcome.COMPENSATED : AttemptOutcome.COMPENSATION_FAILED, ok ? null : r.errorClass(),
                ok ? null : r.category(), ok ? null : r.message(), r.exitCode(),
                TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - t0), worker, logFile == null ? null : logFile.toString());
        ledger.recordCompensation(a);
        Duration took = Duration.ofMillis(a.durationMs());
        emit.accept(ok ? new EngineEvent.ItemCompensated(job.id(), clock.now(), item.seq(), item.key(), number, took)
                : new EngineEvent.ItemCompensationFailed(job.id(), clock.now(), item.seq(), item.key(), number, took,
                r.category(), r.message()));
        return ok;
    }
}
