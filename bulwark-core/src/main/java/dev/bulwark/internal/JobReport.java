package dev.bulwark.internal;

import dev.bulwark.util.RateMeter;

import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.EventLogger;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.ledger.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a job run in this process reports: its engine events (kept in the ledger, given to the
 * listeners) and its progress (counts of committed outcomes, rate, ETA, open breakers) every
 * tick. Fed only with what the ledger has committed.
 */
final class JobReport {
    private static final Logger LOG = LoggerFactory.getLogger(JobReport.class);
    private static final Logger EVENTS = LoggerFactory.getLogger(EventLogger.LOGGER);

    private final Job job;
    private final Ledger ledger;
    private final BulwarkClock clock;
    private final List<JobListener> listeners;
    private final Supplier<List<BreakerStatus>> openBreakers;
    private final CountsTracker counts = new CountsTracker();
    private final RateMeter rate = new RateMeter();
    private long startNanos;
    private long lastProgressNanos;
    /** Something listeners show changed (a breaker): the next tick reports, however soon. */
    private volatile boolean reportDue;

    JobReport(Job job, Ledger ledger, BulwarkClock clock, List<JobListener> listeners, Supplier<List<BreakerStatus>> openBreakers) {
        this.job = job;
        this.ledger = ledger;
        this.clock = clock;
        this.listeners = List.copyOf(listeners);
        this.openBreakers = openBreakers;
    }

    /** The counts of committed outcomes, as the runner moves them. */
    CountsTracker counts() {
        return counts;
    }

    /**
     * Whether anyone hears an item's success: a listener other than the {@link EventLogger}, or the
     * event logger with DEBUG on (it logs successes at DEBUG only). Every engine has the event
     * logger, so without this the success event of every item was built for nobody.
     */
    boolean hasListeners() {
        for (JobListener listener : listeners) {
            if (listener != EventLogger.INSTANCE || EVENTS.isDebugEnabled()) {
                return true;
            }
        }
        return false;
    }

    /** The run starts now. */
    void started() {
        startNanos = clock.nanoTime();
    }

    /** Time since the run started. */
    Duration elapsed() {
        return Duration.ofNanos(clock.nanoTime() - startNanos);
    }

    /** The counts start from what the ledger has. */
    void primed() {
        rate.record(clock.nanoTime(), counts.snapshot().done());
    }

    void emit(EngineEvent event) {
        if (event.kept()) {
            ledger.appendEvent(event);
        }
        for (JobListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on {}", l, event.type(), e);
            }
        }
    }

    /** Reports progress if a tick passed since the last report, or a report is due. */
    void tick(long tickNanos) {
        long now = clock.nanoTime();
        if (reportDue || now - lastProgressNanos >= tickNanos || lastProgressNanos == 0) {
            reportDue = false;
            report();
        }
    }

    /**
     * Makes the next tick report progress: a breaker changed, which progress shows, and an idle run
     * (every slot waiting, nothing due) may not tick again for long.
     */
    void reportSoon() {
        reportDue = true;
    }

    /** Reports progress to the listeners now. */
    void report() {
        long now = clock.nanoTime();
        lastProgressNanos = now;
        rate.record(now, counts.snapshot().done());
        Progress p = progress();
        for (JobListener l : listeners) {
            try {
                l.onProgress(p);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed on progress", l, e);
            }
        }
    }

    /** Current progress from committed outcomes. */
    Progress progress() {
        JobCounts c = counts.snapshot();
        return new Progress(job.id(), c, rate.perSecond(), elapsed(), rate.eta(c.remaining()), openBreakers.get());
    }
}
