package dev.bulwark.ledger;

import dev.bulwark.EngineEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The events of each job of a {@link MemoryLedger}, oldest first: those the ledger keeps
 * ({@link EngineEvent#kept()}), for jobs it holds. Not thread-safe: used under the ledger's lock.
 */
final class MemoryEvents {
    private final Map<UUID, List<EngineEvent>> events = new HashMap<>();

    /** Starts the (empty) list of a new job's events. */
    void open(UUID jobId) {
        events.put(jobId, new ArrayList<>());
    }

    /** Keeps {@code event} if the ledger keeps its kind and holds its job. */
    void append(EngineEvent event) {
        List<EngineEvent> list = events.get(event.jobId());
        if (list != null && event.kept()) {
            list.add(event);
        }
    }

    /** The first {@code limit} events of a job the ledger holds. */
    List<EngineEvent> list(UUID jobId, int limit) {
        return events.get(jobId).stream().limit(limit).toList();
    }

    void remove(UUID jobId) {
        events.remove(jobId);
    }
}
