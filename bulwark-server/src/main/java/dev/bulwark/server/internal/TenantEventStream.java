package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.Progress;
import dev.bulwark.util.Json;
import dev.bulwark.ledger.Ledger;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code GET /events}: one stream for all the jobs of the caller's tenant (the dashboard's list of
 * jobs). It sends a {@code job} event when one of them starts, pauses, halts or finishes, and its
 * latest {@code progress} at most every {@link #PROGRESS_EVERY} per job. The engine never waits:
 * progress is coalesced per job and lifecycle events go through a bounded queue; a client too slow
 * for it is disconnected (it reconnects and reloads the list). Jobs run by the workers of a shared
 * ledger report from other processes and are not in this stream: the dashboard reloads its list on
 * a timer there.
 */
final class TenantEventStream {
    static final Duration PROGRESS_EVERY = Duration.ofMillis(250);
    private static final int QUEUE = 1024;
    private static final Object END = new Object();

    private final SseClient client;
    private final EventHub hub;
    private final Ledger ledger;
    private final String tenant;
    /** Whether each job seen is one of the tenant's service jobs. */
    private final Map<UUID, Boolean> mine = new ConcurrentHashMap<>();
    private final Map<UUID, Progress> latest = new ConcurrentHashMap<>();
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(QUEUE);
    private final Consumer<EventHub.Message> subscriber = this::offer;

    TenantEventStream(SseClient client, EventHub hub, Ledger ledger, String tenant) {
        this.client = client;
        this.hub = hub;
        this.ledger = ledger;
        this.tenant = tenant;
    }

    void start() {
        client.keepAlive();
        hub.subscribeAll(subscriber);
        client.onClose(() -> {
            hub.unsubscribeAll(subscriber);
            queue.clear();
            queue.offer(END);
        });
        Thread.ofVirtual().name("bulwark-sse-tenant-" + tenant).start(this::write);
    }

    private void offer(EventHub.Message message) {
        switch (message) {
            case EventHub.ProgressMessage(Progress p) -> {
                if (mine(p.jobId())) {
                    latest.put(p.jobId(), p);
                }
            }
            case EventHub.EventMessage(EngineEvent e) -> {
                if (lifecycle(e) && mine(e.jobId())) {
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("jobId", e.jobId().toString());
                    data.put("type", e.type());
                    data.put("at", e.at().toString());
                    if (!queue.offer(data)) { // too slow: the client reconnects and reloads
                        hub.unsubscribeAll(subscriber);
                        queue.clear();
                        queue.offer(END);
                    }
                }
            }
        }
    }

    /** The events of a job's life the dashboard's list shows. */
    private static boolean lifecycle(EngineEvent e) {
        return switch (e) {
            case EngineEvent.JobStarted s -> true;
            case EngineEvent.JobPaused p -> true;
            case EngineEvent.JobHalting h -> true;
            case EngineEvent.JobFinished f -> true;
            case EngineEvent.ItemsRecovered r -> true;
            default -> false;
        };
    }

    private boolean mine(UUID jobId) {
        return mine.computeIfAbsent(jobId, id -> ledger.findJob(id).filter(j -> tenant.equals(j.tenant()) && JobService.served(j))
                .isPresent());
    }

    private void write() {
        try {
            client.sendEvent("ready", Json.write(Map.of("tenant", tenant)));
            while (!client.terminated()) {
                Object next = queue.poll(PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                if (next == END) {
                    break;
                }
                if (next != null) {
                    client.sendEvent("job", Json.write(next));
                }
                for (UUID id : latest.keySet()) {
                    Progress p = latest.remove(id);
                    if (p != null) {
                        client.sendEvent("progress", Json.write(Views.progress(p)));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            hub.unsubscribeAll(subscriber);
            client.close();
        }
    }
}
