package dev.bulwark.internal;

import dev.bulwark.engine.FinalStatus;

import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobResult;
import dev.bulwark.JobStatus;
import dev.bulwark.StopReason;
import dev.bulwark.ledger.Ledger;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a job run in this process: from why the run stopped, the job's final status
 * (or PAUSED), the skipping of what is left, the rollback after a critical error, and the
 * {@code job_finished} event with the final counts.
 */
final class JobEnd {
    private static final Logger LOG = LoggerFactory.getLogger(JobEnd.class);

    private final Ledger ledger;
    private final Job job;
    private final BulwarkClock clock;
    private final JobReport report;
    private final Supplier<String> rollback;

    /** @param rollback runs the job's rollback and says what it did */
    JobEnd(Ledger ledger, Job job, BulwarkClock clock, JobReport report, Supplier<String> rollback) {
        this.ledger = ledger;
        this.job = job;
        this.clock = clock;
        this.report = report;
        this.rollback = rollback;
    }

    /** Records how the run ended ({@code s}: why it stopped, or null when it ran out of work) and returns the job. */
    JobResult finish(JobRunner.StopRequest s) {
        Instant now = clock.now();
        Job done;
        JobCounts finalCounts = null;
        if (s == null) {
            JobCounts c = ledger.counts(job.id());
            if (c.remaining() > 0) {
                // Cannot happen when the dispatcher is right; should it, the job stays resumable
                // rather than claim an outcome its items do not have.
                String why = "internal error: the run ended with " + c.remaining() + " item(s) without a final outcome";
                LOG.error("job {}: {}; pausing it, resume runs them", job.id(), why);
                s = new JobRunner.StopRequest(StopReason.PAUSE, why, false, false);
            } else {
                finalCounts = c;
            }
        }
        if (s != null && s.reason() == StopReason.PAUSE) {
            done = recordFinalStatus(JobStatus.PAUSED, s.message(), now);
            report.emit(new EngineEvent.JobPaused(job.id(), clock.now(), s.message()));
            finalCounts = ledger.counts(job.id());
        } else {
            if (s != null) {
                long skipped = ledger.skipRemaining(job.id(), now);
                report.emit(new EngineEvent.JobHalting(job.id(), clock.now(), s.message(), skipped));
                if (s.critical() && job.config().rollback()) {
                    s = new JobRunner.StopRequest(s.reason(), s.message() + "; " + rollback.get(), false, true);
                    now = clock.now();
                }
                finalCounts = ledger.counts(job.id());
            }
            // Only the job's own row changes from here on: these counts are the final ones.
            JobCounts c = finalCounts;
            FinalStatus end = s != null
                    ? new FinalStatus(s.reason() == StopReason.CANCEL ? JobStatus.CANCELLED : JobStatus.FAILED, s.message())
                    : FinalStatus.of(c);
            done = recordFinalStatus(end.status(), end.reason(), now);
        }
        Duration took = report.elapsed();
        if (done.status() != JobStatus.PAUSED) {
            report.emit(new EngineEvent.JobFinished(job.id(), clock.now(), done.status(), done.reason(), finalCounts.succeeded(),
                    finalCounts.failed(), finalCounts.skipped(), finalCounts.retries(), null, Duration.ofMillis(took.toMillis())));
        }
        ledger.flush();
        report.counts().reset(finalCounts, Set.of());
        report.report();
        return new JobResult(done, finalCounts, took);
    }

    /**
     * Moves the job to its final (or PAUSED) status. Should something outside this run have moved
     * the job already (a cancel or pause recorded by another engine on the ledger), the job keeps
     * the status the ledger has and the run reports that, rather than fail with an
     * {@link dev.bulwark.InvalidTransitionException} the caller cannot act on.
     */
    private Job recordFinalStatus(JobStatus status, String reason, java.time.Instant now) {
        try {
            return ledger.transition(job.id(), status, reason, now);
        } catch (dev.bulwark.InvalidTransitionException e) {
            Job current = ledger.findJob(job.id()).orElseThrow(() -> e);
            LOG.warn("job {}: the run ended {} but the ledger has it {} already ({}); keeping {}",
                    job.id(), status, current.status(), e.getMessage(), current.status());
            return current;
        }
    }
}
