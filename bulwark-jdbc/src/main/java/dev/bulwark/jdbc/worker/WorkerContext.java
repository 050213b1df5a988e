package dev.bulwark.jdbc.worker;

import dev.bulwark.BulwarkClock;
import dev.bulwark.Item;
import dev.bulwark.jdbc.WorkQueue;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What the parts of one {@link Worker} share ({@link LeaseClaims}, {@link JobOutcomes},
 * {@link Heartbeat}, {@link Watchdog}).
 *
 * @param queue    the shared ledger's queue of work
 * @param options  how the worker runs
 * @param stats    what it did, counted as the ledger confirmed it
 * @param clock    the wall clock of attempts and their timeouts
 * @param ticker   the monotonic clock leases are measured on for self-fencing
 * @param chores   the worker's one thread of chores (taking back leases, ending jobs, waking workers when due)
 * @param timers   the thread of attempt timeouts
 * @param logFiles where an item's log goes, or null for none
 */
record WorkerContext(WorkQueue queue, WorkerOptions options, WorkerStats stats, BulwarkClock clock, LongSupplier ticker,
                     ScheduledExecutorService chores, ScheduledExecutorService timers, Function<Item, Path> logFiles) {
}
