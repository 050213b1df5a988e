package dev.bulwark.server.internal;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Hands the engine's events and progress to the subscribers of each job (the server-sent event
 * streams). Thread-safe; subscribers must be quick and must not throw.
 */
public final class EventHub implements JobListener {

    /** One message for a subscriber: an engine event or a progress snapshot. */
    public sealed interface Message permits EventMessage, ProgressMessage {
    }

    /** An engine event. */
    public record EventMessage(EngineEvent event) implements Message {
    }

    /** A progress snapshot. */
    public record ProgressMessage(Progress progress) implements Message {
    }

    private final Map<UUID, Set<Consumer<Message>>> subscribers = new ConcurrentHashMap<>();
    /** Subscribers to the messages of every job (the dashboard's list of jobs). */
    private final Set<Consumer<Message>> everything = ConcurrentHashMap.newKeySet();

    /** Subscribes to the messages of every job; the subscriber filters them. */
    public void subscribeAll(Consumer<Message> subscriber) {
        everything.add(subscriber);
    }

    public void unsubscribeAll(Consumer<Message> subscriber) {
        everything.remove(subscriber);
    }

    public void subscribe(UUID jobId, Consumer<Message> subscriber) {
        subscribers.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet()).add(subscriber);
    }

    public void unsubscribe(UUID jobId, Consumer<Message> subscriber) {
        subscribers.computeIfPresent(jobId, (id, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void onEvent(EngineEvent event) {
        publish(event.jobId(), new EventMessage(event));
    }

    @Override
    public void onProgress(Progress progress) {
        publish(progress.jobId(), new ProgressMessage(progress));
    }

    private void publish(UUID jobId, Message message) {
        Set<Consumer<Message>> set = subscribers.get(jobId);
        if (set != null) {
            set.forEach(s -> s.accept(message));
        }
        everything.forEach(s -> s.accept(message));
    }
}
