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
    static List<EngineEvent> of(Ledger ledger, UUID jobId) {
        return ledger.events(jobId, MAX_EVENTS).stream().filter(e -> e.type().equals(PolicyOverrides.CONFIG_REVISED)).toList();
    }

    /** {@code retries 2 -> 5, timeout - -> 30s}. */
    static String describe(Map<?, ?> changes) {
        return changes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}
