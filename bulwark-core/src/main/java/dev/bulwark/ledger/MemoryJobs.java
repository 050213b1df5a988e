package dev.bulwark.ledger;

import dev.bulwark.BulwarkException;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.NotFoundException;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The job records of a {@link MemoryLedger}, in the order they were created: each job's
 * configuration, status and total, checked against the job's allowed transitions. Not
 * thread-safe: used under the ledger's lock.
 */
final class MemoryJobs {
    private final Map<UUID, Job> jobs = new LinkedHashMap<>();

    void create(Job job) {
        if (jobs.containsKey(job.id())) {
            throw new BulwarkException("job " + job.id() + " already exists");
        }
        jobs.put(job.id(), job);
    }

    /** The job {@code jobId}; a {@link NotFoundException} when there is none. */
    Job job(UUID jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            throw new NotFoundException("job " + jobId + " not found");
        }
        return job;
    }

    /** The job {@code jobId}, or null. */
    Job get(UUID jobId) {
        return jobs.get(jobId);
    }

    Optional<Job> find(UUID jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    /** Replaces the record of {@code job} by this one. */
    void put(Job job) {
        jobs.put(job.id(), job);
    }

    void remove(UUID jobId) {
        jobs.remove(jobId);
    }

    /** Every job, as a copy. */
    List<Job> all() {
        return List.copyOf(jobs.values());
    }

    List<Job> list(JobQuery query) {
        return jobs.values().stream()
                .filter(j -> query.statuses().isEmpty() || query.statuses().contains(j.status()))
                .sorted(Comparator.comparing(Job::createdAt).reversed())
                .limit(query.limit())
                .toList();
    }

    Job reviseConfig(UUID jobId, JobConfig config) {
        Job changed = job(jobId).withConfig(config);
        jobs.put(jobId, changed);
        return changed;
    }

    Job transition(UUID jobId, JobStatus next, String reason, Instant at) {
        Job job = job(jobId);
        job.status().checkCanBecome(next, "job " + jobId);
        Job changed = job.withStatus(next, reason, at);
        jobs.put(jobId, changed);
        return changed;
    }
}
