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
        if (config.uploads() != null) {
            deleteOldUploads(now);
        }
        return deleted;
    }

    /**
     * Deletes the upload folders ({@code ROOT/TENANT/ID}) that arrived longer than
     * {@code retention.uploads} ago, except those holding an item of a job that has not finished
     * (or waits to run again).
     */
    private void deleteOldUploads(Instant now) {
        java.util.Set<Path> roots = new java.util.HashSet<>();
        for (dev.bulwark.server.TemplateConfig t : jobs.templates()) {
            if (t.uploadRoot() != null) {
                roots.add(t.roots().get(t.uploadRoot()));
            }
        }
        if (roots.isEmpty()) {
            return;
        }
        java.util.Set<Path> inUse = new java.util.HashSet<>();
        for (Job job : ledger.listJobs(new JobQuery(EnumSet.complementOf(FINISHED), JobService.MAX_SCANNED_JOBS))) {
            collectUploads(job, roots, inUse);
        }
        for (Job job : ledger.listJobs(new JobQuery(FINISHED, JobService.MAX_SCANNED_JOBS))) {
            if (busy.test(job.id())) {
                collectUploads(job, roots, inUse);
            }
        }
        for (Path root : roots) {
            try (Stream<Path> tenants = Files.list(root)) {
                for (Path tenant : tenants.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                    try (Stream<Path> uploads = Files.list(tenant)) {
                        for (Path upload : uploads.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                            Instant arrived = Files.getLastModifiedTime(upload, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant();
                            if (!arrived.plus(config.uploads()).isAfter(now) && !inUse.contains(upload)) {
                                UploadRoutes.deleteTree(upload);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot clean up the uploads under {}: {}", root, e.getMessage());
            }
        }
    }

    /** The upload folders ({@code ROOT/TENANT/ID}) that the job's items lie in. */
    private void collectUploads(Job job, java.util.Set<Path> roots, java.util.Set<Path> inUse) {
        dev.bulwark.ledger.ItemQuery query = new dev.bulwark.ledger.ItemQuery(java.util.Set.of(), 0, 1_000);
        for (List<dev.bulwark.Item> page = ledger.items(job.id(), query); !page.isEmpty(); page = ledger.items(job.id(), query)) {
            for (dev.bulwark.Item item : page) {
                Path p;
                try {
                    p = dev.bulwark.util.FileNames.path(item.key());
                } catch (java.nio.file.InvalidPathException e) {
                    continue; // a plain key, not a file
                }
                for (Path root : roots) {
                    if (p.startsWith(root) && root.relativize(p).getNameCount() > 2) {
                        inUse.add(root.resolve(root.relativize(p).subpath(0, 2)));
                    }
                }
            }
            query = new dev.bulwark.ledger.ItemQuery(query.statuses(), page.getLast().seq(), query.limit());
        }
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
