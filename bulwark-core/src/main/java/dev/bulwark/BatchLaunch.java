package dev.bulwark;

import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.internal.BatchItemHandler;
import dev.bulwark.internal.FrozenSettings;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.MemoryLedger;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a batch as its {@link BatchSettings} say: submits its items as a new job and runs it
 * ({@link BatchBuilder#run}, {@link BatchBuilder#start}), or continues a job the ledger holds
 * ({@link BatchBuilder#resume}, {@link BatchBuilder#retryFailed}), on the caller's thread or a
 * new one; the engine is closed when the run ends.
 *
 * @param <T> the item type
 */
final class BatchLaunch<T> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchBuilder.class);

    private final BatchSettings<T> settings;

    BatchLaunch(BatchSettings<T> settings) {
        this.settings = settings;
    }

    /** See {@link BatchBuilder#ignoredOnResume}. */
    List<String> ignoredOnResume(UUID jobId) {
        Objects.requireNonNull(jobId, "jobId");
        ValidationException.require(settings.ledger != null, "reading job " + jobId + " needs .ledger(...): the ledger that holds it");
        Job job = settings.ledger.findJob(jobId).orElseThrow(() -> new NotFoundException("no job " + jobId + " in " + settings.ledger));
        Integer slots = settings.concurrencySet
                ? (settings.chunkHandler != null ? settings.concurrency * settings.chunkSize : settings.concurrency) : null;
        return new FrozenSettings(slots, settings.retrySet, settings.timeoutSet, settings.breakerPolicy).differences(job.config());
    }

    /** See {@link BatchBuilder#unfinished}. */
    List<Job> unfinished(String name) {
        Objects.requireNonNull(name, "name");
        ValidationException.require(settings.ledger != null, "listing the jobs of '" + name + "' needs .ledger(...)");
        return settings.ledger.listJobs(new dev.bulwark.ledger.JobQuery(
                        java.util.Set.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED), 1_000)).stream()
                .filter(job -> job.name().equals(name)).toList();
    }

    /** See {@link BatchBuilder#resetBreaker}. */
    boolean resetBreaker(UUID jobId, String scope) {
        Objects.requireNonNull(jobId, "jobId");
        ValidationException.require(settings.ledger != null, "resetting a breaker of job " + jobId + " needs .ledger(...): the ledger that holds it");
        try (Engine engine = settings.engine(settings.ledger)) {
            return engine.resetBreaker(jobId, scope);
        }
    }

    /** See {@link BatchBuilder#breakers}. */
    List<BreakerStatus> breakers(UUID jobId) {
        Objects.requireNonNull(jobId, "jobId");
        ValidationException.require(settings.ledger != null, "reading the breakers of job " + jobId + " needs .ledger(...)");
        try (Engine engine = settings.engine(settings.ledger)) {
            return engine.breakers(jobId);
        }
    }

    RunningBatch continueJob(UUID jobId, boolean failedOnly, boolean async) {
        Objects.requireNonNull(jobId, "jobId");
        ValidationException.require(settings.restore != null || settings.engineHandler != null, "resuming job " + jobId
                + " needs .restore(item -> ...) to rebuild items from their stored key and payload");
        ValidationException.require(settings.ledger != null, "resuming job " + jobId + " needs .ledger(...): the ledger that holds it");
        ValidationException.require(settings.compensator == null || settings.restore != null, "resuming job " + jobId + " with a rollback "
                + "needs .restore(item -> ...): the compensator gets items rebuilt from their stored key and payload");
        BatchItemHandler<T> typed = settings.engineHandler == null ? settings.itemHandler() : null;
        ItemHandler itemHandler = settings.engineHandler != null ? settings.engineHandler : typed;
        ItemHandler undo = settings.compensating(typed);
        if (settings.ledger.findJob(jobId).isPresent()) {
            List<String> ignored = ignoredOnResume(jobId);
            if (!ignored.isEmpty()) {
                LOG.warn("job {} keeps the configuration frozen when it was submitted; ignoring {}", jobId,
                        String.join(", ", ignored));
            }
        }
        Ledger target = settings.ledger;
        Engine engine = settings.engine(target);
        CompletableFuture<BatchResult> result = new CompletableFuture<>();
        if (!async) {
            try {
                JobResult done = failedOnly ? engine.retryFailed(jobId, itemHandler, undo) : engine.run(jobId, itemHandler, undo);
                result.complete(new BatchResult(done, target));
            } finally {
                engine.close();
            }
            return new RunningBatch(jobId, engine, result);
        }
        Thread.ofPlatform().name("bulwark-batch-" + jobId.toString().substring(0, 8)).start(() -> {
            try {
                JobResult done = failedOnly ? engine.retryFailed(jobId, itemHandler, undo) : engine.run(jobId, itemHandler, undo);
                result.complete(new BatchResult(done, target));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                engine.close();
            }
        });
        return new RunningBatch(jobId, engine, result);
    }

    RunningBatch start(boolean async) {
        BatchItemHandler<T> typed = settings.engineHandler == null ? settings.itemHandler() : null;
        ItemHandler itemHandler = settings.engineHandler != null ? settings.engineHandler : typed;
        BatchItemHandler<T> undo = settings.compensating(typed);
        // the handler that keeps the submitted objects (for the compensator too), unless they can be restored
        BatchItemHandler<T> keeper = typed != null ? typed : undo;
        JobConfig jobConfig = settings.jobConfig();
        settings.checkItems();
        Ledger target = settings.ledger != null ? settings.ledger : new MemoryLedger();
        Engine engine = settings.engine(target);
        Job job;
        try {
            job = engine.submit(settings.name, jobConfig, settings.specs(keeper));
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        CompletableFuture<BatchResult> result = new CompletableFuture<>();
        if (!async) {
            try {
                result.complete(new BatchResult(engine.run(job.id(), itemHandler, undo), target));
            } finally {
                engine.close();
            }
            return new RunningBatch(job.id(), engine, result);
        }
        Thread.ofPlatform().name("bulwark-batch-" + job.id().toString().substring(0, 8)).start(() -> {
            try {
                result.complete(new BatchResult(engine.run(job.id(), itemHandler, undo), target));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                engine.close();
            }
        });
        return new RunningBatch(job.id(), engine, result);
    }
}
