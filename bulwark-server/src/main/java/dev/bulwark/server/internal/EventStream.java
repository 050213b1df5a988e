package dev.bulwark.server.internal;

import dev.bulwark.Engine;
import dev.bulwark.EngineEvent;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.Progress;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.util.RateMeter;
import dev.bulwark.util.Json;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * One client's {@code GET /jobs/{id}/events} stream. The engine never waits for the client: its
 * messages go through a bounded queue to a virtual thread that writes them; a client too slow
 * to keep up is disconnected. The stream starts with a {@code snapshot} of the job and ends
 * after {@code job_finished}.
 *
 * <p>For a job run by the workers of a shared ledger, whose outcomes are recorded by other
 * processes, the item events come from the ledger's outcome announcements (the same events,
 * without the item's key), and the stream reads the job from the ledger every poll interval and
 * sends a {@code progress} event (counts, rate, ETA and the job's status) whenever the counts
 * changed, then {@code job_finished}.
 */
final class EventStream {
    private static final int QUEUE = 4096;
    private static final Object END = new Object();

    private final SseClient client;
    private final EventHub hub;
    /** The engine's ledger: where the snapshot, and a worker job's progress, are read. */
    private final Ledger ledger;
    private final Job job;
    /** How often a worker job is read from the ledger, or null for the events of this process. */
    private final Duration poll;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(QUEUE);
    private final Consumer<EventHub.Message> subscriber = this::offer;
    /** Messages that arrived before the snapshot was queued. */
    private final List<Object[]> early = new ArrayList<>();
    private boolean started;

    EventStream(SseClient client, EventHub hub, Engine engine, Job job, Duration poll) {
        this.client = client;
        this.hub = hub;
        this.ledger = engine.ledger();
        this.job = job;
        this.poll = poll;
    }

    void start() {
        client.keepAlive();
        hub.subscribe(job.id(), subscriber); // before reading the state: nothing falls in between
        client.onClose(this::end);
        Job now = ledger.findJob(job.id()).orElse(job);
        Map<String, Object> snapshot = new LinkedHashMap<>(Views.summary(now));
        snapshot.put("counts", ledger.counts(job.id()));
        synchronized (early) { // the snapshot goes first; what arrived while it was read follows it
            queue.offer(new Object[] {"snapshot", snapshot});
            early.forEach(this::enqueue);
            early.clear();
            started = true;
        }
        if (now.status().isFinal()) {
            queue.offer(new Object[] {EngineEvent.JOB_FINISHED, Map.of("status", now.status().name())});
            queue.offer(END);
        } else if (poll != null) {
            JobCounts counts = (JobCounts) snapshot.get("counts");
            Thread.ofVirtual().name("bulwark-sse-poll-" + job.id()).start(() -> pollLedger(counts));
        }
        Thread.ofVirtual().name("bulwark-sse-" + job.id()).start(this::write);
    }

    private void offer(EventHub.Message message) {
        Object[] out = switch (message) {
            case EventHub.EventMessage(EngineEvent e) -> {
                Map<String, Object> data = new LinkedHashMap<>(e.data());
                data.put("seq", e.seq());
                data.put("at", e.at().toString());
                yield new Object[] {e.type(), data};
            }
            case EventHub.ProgressMessage(var p) -> new Object[] {"progress", Views.progress(p)};
        };
        synchronized (early) {
            if (!started) {
                early.add(out);
                return;
            }
        }
        enqueue(out);
    }

    private void enqueue(Object[] out) {
        if (!queue.offer(out)) {
            end(); // too slow: the client reconnects and gets a fresh snapshot
            return;
        }
        if (EngineEvent.JOB_FINISHED.equals(out[0])) {
            queue.offer(END);
        }
    }

    /** Stops listening and ends the stream: what is still queued is dropped, the writer stops at {@code END}. */
    private void end() {
        hub.unsubscribe(job.id(), subscriber);
        queue.clear();
        queue.offer(END);
    }

    private void pollLedger(JobCounts seen) {
        JobCounts last = seen;
        RateMeter rate = new RateMeter();
        boolean finalSeen = false;
        rate.record(System.nanoTime(), seen.done());
        try {
            while (!client.terminated()) {
                Thread.sleep(poll);
                Job now = ledger.findJob(job.id()).orElse(null);
                if (now == null) { // deleted
                    queue.offer(END);
                    return;
                }
                JobCounts counts = ledger.counts(job.id());
                rate.record(System.nanoTime(), counts.done());
                if (!counts.equals(last)) {
                    last = counts;
                    Duration elapsed = now.startedAt() == null ? Duration.ZERO
                            : Duration.between(now.startedAt(), java.time.Instant.now());
                    Map<String, Object> progress = new LinkedHashMap<>(Views.progress(new Progress(job.id(), counts,
                            rate.perSecond(), elapsed, rate.eta(counts.remaining()), List.of())));
                    progress.put("status", now.status().name());
                    enqueue(new Object[] {"progress", progress});
                }
                if (now.status().isFinal()) {
                    // The workers' job_finished comes after the job's last outcomes; one that is not
                    // heard (a job halted or cancelled, the listener reconnecting) is sent from here.
                    if (finalSeen) {
                        enqueue(new Object[] {EngineEvent.JOB_FINISHED, Map.of("status", now.status().name())});
                        return;
                    }
                    finalSeen = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) { // the ledger is unreachable: the client reconnects later
            queue.offer(END);
        }
    }

    private void write() {
        try {
            while (!client.terminated()) {
                Object next = queue.take();
                if (next == END) {
                    break;
                }
                Object[] event = (Object[]) next;
                client.sendEvent((String) event[0], Json.write(event[1]));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            hub.unsubscribe(job.id(), subscriber);
            client.close();
        }
    }
}
