package dev.bulwark.spring;

import dev.bulwark.Engine;
import dev.bulwark.ItemHandler;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobResult;
import dev.bulwark.ValidationException;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.StreamSupport;

/**
 * Runs jobs with the application's {@link ItemHandler} beans, named by their bean names, on the
 * auto-configured {@link Engine}. Thread-safe.
 *
 * <pre>{@code
 * @Bean ItemHandler importInvoice(InvoiceService invoices) {
 *     return attempt -> { invoices.importFile(Path.of(attempt.item().key())); return AttemptResult.success(); };
 * }
 * ...
 * JobResult result = jobs.run("importInvoice", "invoices of May", List.of("may/1.xml", "may/2.xml"));
 * }</pre>
 *
 * <p>A job still running when the application shuts down is paused (its running attempts finish
 * or are interrupted, and recorded); {@link #resume} runs the rest with the same handler.
 */
public final class BulwarkJobs implements AutoCloseable {
    private final Engine engine;
    private final Map<String, ItemHandler> handlers;
    private final JobConfig defaults;
    private final ExecutorService background = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("bulwark-job-", 1).factory());

    public BulwarkJobs(Engine engine, Map<String, ItemHandler> handlers, JobConfig defaults) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.handlers = Map.copyOf(new TreeMap<>(handlers));
        this.defaults = Objects.requireNonNull(defaults, "defaults");
    }

    /** The names of the handler beans, for a caller that lets a user choose. */
    public SortedSet<String> handlerNames() {
        return new TreeSet<>(handlers.keySet());
    }

    /** Submits the keys as a job with the {@code bulwark.*} defaults and runs it on this thread. */
    public JobResult run(String handlerName, String jobName, Iterable<String> keys) {
        return run(handlerName, jobName, defaults, items(keys));
    }

    /** Submits the items as a job with {@code config} and runs it on this thread until every item is final or it pauses. */
    public JobResult run(String handlerName, String jobName, JobConfig config, Iterator<Engine.ItemSpec> items) {
        ItemHandler handler = handler(handlerName);
        Job job = engine.submit(jobName, config, items);
        return engine.run(job.id(), handler);
    }

    /** Submits the keys as a job (before returning) and runs it on a virtual thread: its id and its result to come. */
    public Submitted start(String handlerName, String jobName, Iterable<String> keys) {
        ItemHandler handler = handler(handlerName);
        Job job = engine.submit(jobName, defaults, items(keys));
        return new Submitted(job.id(), CompletableFuture.supplyAsync(() -> engine.run(job.id(), handler), background));
    }

    /** Runs what is left of a job (paused by a shutdown, or cut off by a crash) with the named handler. */
    public JobResult resume(String handlerName, UUID jobId) {
        return engine.run(jobId, handler(handlerName));
    }

    /** A job running in the background. */
    public record Submitted(UUID jobId, CompletableFuture<JobResult> result) {
    }

    private ItemHandler handler(String name) {
        ItemHandler handler = handlers.get(name);
        if (handler == null) {
            throw new ValidationException("no ItemHandler bean named '" + name + "'; the application defines: "
                    + (handlers.isEmpty() ? "none" : String.join(", ", handlerNames())));
        }
        return handler;
    }

    private static Iterator<Engine.ItemSpec> items(Iterable<String> keys) {
        return StreamSupport.stream(keys.spliterator(), false).map(Engine.ItemSpec::of).iterator();
    }

    /** Stops accepting background work; jobs are paused by {@link BulwarkShutdown} before this. */
    @Override
    public void close() {
        background.shutdown();
    }
}
