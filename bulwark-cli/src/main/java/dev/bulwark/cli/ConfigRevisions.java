package dev.bulwark.cli;

import dev.bulwark.EngineEvent;
import dev.bulwark.ledger.Ledger;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/** The revisions of a job's configuration that resume and retry-failed recorded ({@code config_revised} events). */
final class ConfigRevisions {
    private static final int MAX_EVENTS = 1_000_000;

    private ConfigRevisions() {
    }

    /** The job's {@code config_revised} events, oldest first. */
    static List<EngineEvent.ConfigRevised> of(Ledger ledger, UUID jobId) {
        List<EngineEvent.ConfigRevised> revisions = new java.util.ArrayList<>();
        for (EngineEvent e : ledger.events(jobId, MAX_EVENTS)) {
            if (e instanceof EngineEvent.ConfigRevised r) {
                revisions.add(r);
            }
        }
        return revisions;
    }

    /** {@code retries 2 -> 5, timeout - -> 30s}. */
    static String describe(Map<?, ?> changes) {
        return changes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}
