package dev.bulwark.server.internal;

import dev.bulwark.BulwarkClock;
import dev.bulwark.Engine;
import dev.bulwark.EngineEvent;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.RetryPolicy;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.server.WebhookConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a job's {@code callback} when the job ends. Each delivery is a job of its own in the
 * ledger (one item: the URL, with the signed summary as its payload) that the engine runs with
 * a retry policy, so a failed delivery is retried with backoff as the ledger schedules it, and a
 * restart goes on with the deliveries that had not succeeded. Only jobs that end in this process
 * are seen (not those run by the workers of a shared ledger).
 */
public final class Webhooks {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    /** The configuration snapshot's input entries. */
    static final String CALLBACK = "callback";
    static final String TYPE = "webhook";
    static final String FOR_JOB = "for-job";
    static final String SHUTDOWN_REASON = "paused by the server's shutdown";

    private final Engine engine;
    private final WebhookConfig config;
    private final BulwarkClock clock;
    private final Consumer<EventHub.Message> subscriber = this::onMessage;
    private final Set<UUID> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public Webhooks(Engine engine, WebhookConfig config, BulwarkClock clock) {
        this.engine = engine;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Subscribes to the job events, goes on with the deliveries a stop or crash left unfinished,
     * and queues those of jobs that ended while no delivery could be queued (a crash right after).
     */
    public void start(EventHub hub) {
        hub.subscribeAll(subscriber);
        List<Job> deliveries = deliveries();
        Set<String> queued = new java.util.HashSet<>();
        deliveries.forEach(d -> queued.add(d.config().input().get(FOR_JOB)));
        for (Job job : engine.ledger().listJobs(new JobQuery(java.util.EnumSet.of(JobStatus.COMPLETED, JobStatus.PARTIAL,
                JobStatus.FAILED, JobStatus.CANCELLED), JobService.MAX_SCANNED_JOBS))) {
            if (JobService.served(job) && job.config().input().containsKey(CALLBACK) && !queued.contains(job.id().toString())) {
                deliver(job);
            }
        }
        for (Job delivery : deliveries) {
            boolean unfinished = delivery.status() == JobStatus.QUEUED || delivery.status() == JobStatus.RUNNING
                    || (delivery.status() == JobStatus.PAUSED && SHUTDOWN_REASON.equals(delivery.reason()));
            if (unfinished) {
                run(delivery.id());
            }
        }
    }

    /** Pauses the deliveries in flight; they go on at the next start. */
    public void stop(EventHub hub) {
        stopping = true;
        hub.unsubscribeAll(subscriber);
        for (UUID id : running) {
            engine.pause(id, SHUTDOWN_REASON);
        }
    }

    private void onMessage(EventHub.Message message) {
        if (stopping || !(message instanceof EventHub.EventMessage(EngineEvent.JobFinished e))) {
            return;
        }
        Thread.ofVirtual().name("bulwark-webhook-" + e.jobId()).start(() -> {
            try {
                engine.ledger().findJob(e.jobId()).filter(JobService::served).filter(j -> j.config().input().containsKey(CALLBACK))
                        .ifPresent(this::deliver);
            } catch (RuntimeException ex) {
                LOG.error("cannot queue the callback of job {}", e.jobId(), ex);
            }
        });
    }

    private void deliver(Job job) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("event", "job_finished");
        summary.put("jobId", job.id().toString());
        summary.put("name", job.name());
        summary.put("template", job.config().input().get(JobService.TEMPLATE));
        summary.put("status", job.status().name());
        summary.put("reason", job.reason());
        summary.put("counts", engine.ledger().counts(job.id()));
        summary.put("createdAt", job.createdAt());
        summary.put("finishedAt", job.finishedAt());
        summary.put("url", Views.jobUrl(job));
        String url = job.config().input().get(CALLBACK);
        JobConfig delivery = JobConfig.builder()
                .retry(RetryPolicy.exponential(config.attempts() - 1, config.backoff(), WebhookConfig.MAX_BACKOFF))
                .input("type", TYPE).input(FOR_JOB, job.id().toString()).build();
        Job queued = engine.submit("callback of " + job.id(), job.tenant(), job.priority(), delivery,
                List.of(new Engine.ItemSpec(url, Json.write(summary), null)).iterator());
        run(queued.id());
    }

    private void run(UUID deliveryId) {
        running.add(deliveryId);
        Thread.ofVirtual().name("bulwark-webhook-delivery-" + deliveryId).start(() -> {
            try {
                URI uri = URI.create(engine.ledger().findItem(deliveryId, 1).orElseThrow().key());
                engine.run(deliveryId, new WebhookSender(uri, config, clock, deliveryId));
            } catch (RuntimeException e) {
                LOG.error("webhook delivery {} stopped with an error", deliveryId, e);
            } finally {
                running.remove(deliveryId);
            }
        });
    }

    /** The delivery jobs in the ledger, newest first. */
    List<Job> deliveries() {
        return engine.ledger().listJobs(new JobQuery(Set.of(), JobService.MAX_SCANNED_JOBS)).stream()
                .filter(j -> TYPE.equals(j.config().input().get("type"))).toList();
    }

    /** The deliveries of a job: the callback, its status and each attempt (with the HTTP status as exitCode). */
    public List<Map<String, Object>> deliveriesOf(Job job) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Job d : deliveries()) {
            if (!job.id().toString().equals(d.config().input().get(FOR_JOB))) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", d.id().toString());
            m.put("callback", engine.ledger().findItem(d.id(), 1).map(dev.bulwark.Item::key).orElse(null));
            m.put("status", d.status() == JobStatus.COMPLETED ? "DELIVERED" : d.status().isFinal() ? "FAILED" : "PENDING");
            m.put("attempts", engine.ledger().attempts(d.id(), 1).stream().map(a -> {
                Map<String, Object> at = new LinkedHashMap<>();
                at.put("number", a.number());
                at.put("at", a.startedAt());
                at.put("outcome", a.outcome().name());
                at.put("httpStatus", a.exitCode());
                at.put("category", a.category());
                at.put("message", a.message());
                at.put("durationMs", a.durationMs());
                return at;
            }).toList());
            out.add(m);
        }
        return out;
    }
}
