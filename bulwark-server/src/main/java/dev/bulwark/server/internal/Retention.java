package dev.bulwark.server.internal;

import dev.bulwark.InvalidTransitionException;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.RetentionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the service's finished jobs that are older than {@code server.retention} allows (with
 * their items, attempts, events and item logs), never one that runs or waits to run again (a
 * retry of its failed items, or of one item). Driven by the instants it is given; thread-safe.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final EnumSet<JobStatus> FINISHED = EnumSet.of(JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.FAILED,
            JobStatus.PARTIAL);

    private final RetentionConfig config;
    private final Ledger ledger;
    private final JobService jobs;
    /** Whether a job runs or waits in this process (the pool's queue, or the engine). */
    private final Predicate<UUID> busy;
    private final Path logDirectory;

    public Retention(RetentionConfig config, Ledger ledger, JobService jobs, Predicate<UUID> busy, Path logDirectory) {
        this.config = config;
        this.ledger = ledger;
        this.jobs = jobs;
        this.busy = busy;
        this.logDirectory = logDirectory;
    }

    /** Deletes what is due at {@code now}; returns the ids deleted. */
    public synchronized List<UUID> apply(Instant now) {
        List<UUID> deleted = new ArrayList<>();
        if (!config.deletesAnything()) {
            return deleted;
        }
        for (Job job : ledger.listJobs(new JobQuery(FINISHED, JobService.MAX_SCANNED_JOBS))) {
            if (config.outputs() != null && job.finishedAt() != null && !job.finishedAt().plus(config.outputs()).isAfter(now)
                    && !busy.test(job.id())) {
                deleteOutputs(job);
            }
            Duration keep = config.keep(job.status());
            if (keep == null || job.finishedAt() == null || !JobService.served(job) || job.finishedAt().plus(keep).isAfter(now)
                    || busy.test(job.id())) {
                continue;
            }
            try {
                if (jobs.forget(job)) {
                    deleted.add(job.id());
                    deleteLogs(job.id());
                    deleteOutputs(job);
                }
            } catch (InvalidTransitionException e) {
                LOG.debug("job {} started again while retention looked at it; kept", job.id());
            }
        }
        if (!deleted.isEmpty()) {
            LOG.info("retention deleted {} finished job(s)", deleted.size());
        }
        return deleted;
    }

    private static void deleteOutputs(Job job) {
        String outputs = job.config().input().get(dev.bulwark.server.TemplateConfig.OUTPUTS_INPUT);
        if (outputs != null) {
            try {
                new ItemOutputs(Path.of(outputs), job.id()).delete();
            } catch (IOException e) {
                LOG.warn("cannot delete the outputs of job {}: {}", job.id(), e.getMessage());
            }
        }
    }

    private void deleteLogs(UUID jobId) {
        if (logDirectory == null) {
            return;
        }
        Path dir = logDirectory.resolve(jobId.toString());
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete the logs {} of a deleted job: {}", dir, e.getMessage());
        }
    }
}
