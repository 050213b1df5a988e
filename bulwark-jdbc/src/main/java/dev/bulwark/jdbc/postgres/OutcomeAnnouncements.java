package dev.bulwark.jdbc.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.EngineEvent;
import dev.bulwark.util.Json;
import dev.bulwark.engine.OutcomeEvents;
import dev.bulwark.jdbc.internal.PgNotifications;
import dev.bulwark.ledger.Completion;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outcomes recorded on a shared PostgreSQL ledger, announced to other processes: each group of
 * completions sends {@code NOTIFY bulwark_outcomes} in its own transaction, so a listener hears of
 * an outcome only once it is durable, and never of one that was rolled back. A service turns them
 * into the per-item events of its event streams for jobs that workers on other machines run.
 *
 * <p>A payload is the schema's name, a newline, and a JSON array of events
 * ({@code {"job","seq","type","at","data"}}) — the events the engine emits for an attempt, without
 * the item's key, which the completion does not carry — and the events that end or halt a job run
 * by workers, which come after its outcomes (PostgreSQL delivers notifications in commit order). PostgreSQL refuses payloads of 8,000 bytes
 * or more: events are sent in as many notifications as it takes, messages cut to
 * {@value #MAX_MESSAGE} characters. Announcements are for watching, not for bookkeeping: one
 * missed while no one listened is gone (the ledger stays the record).
 */
public final class OutcomeAnnouncements {
    /** The channel outcomes are announced on. */
    public static final String CHANNEL = "bulwark_outcomes";
    static final int MAX_PAYLOAD = 7_900;
    static final int MAX_MESSAGE = 200;
    static final int LISTEN_WAIT_SECONDS = 10;
    /** Room for the schema's name (at most 63 bytes) and the newline after it. */
    private static final int SCHEMA_ROOM = 64;

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeAnnouncements.class);

    private OutcomeAnnouncements() {
    }

    /** Announces the events of {@code written} once the caller's transaction commits. */
    static void announce(Connection c, List<Completion> written) throws SQLException {
        List<EngineEvent> events;
        try {
            events = written.stream().map(w -> OutcomeEvents.of(null, w)).toList();
        } catch (RuntimeException e) { // an announcement must never cost an outcome its record
            LOG.warn("cannot announce {} outcome(s): {}", written.size(), e.toString());
            return;
        }
        announceEvents(c, events);
    }

    /**
     * Announces {@code events} (of a job run by workers: its end, a halt) once the caller's
     * transaction commits, in order after the outcomes of transactions that committed before it.
     */
    public static void announceEvents(Connection c, List<EngineEvent> events) throws SQLException {
        List<String> payloads = payloads(events);
        if (payloads.isEmpty()) {
            return;
        }
        // One round trip for all of them, sent in the array's order.
        try (PreparedStatement ps = c.prepareStatement("SELECT count(pg_notify(?, current_schema() || chr(10) || p)) "
                + "FROM (SELECT p FROM unnest(?::text[]) WITH ORDINALITY AS u (p, n) ORDER BY n) o")) {
            ps.setString(1, CHANNEL);
            ps.setArray(2, c.createArrayOf("text", payloads.toArray()));
            ps.executeQuery().close();
        }
    }

    /** The JSON arrays that carry {@code events}, each short enough for one notification. */
    static List<String> payloads(List<EngineEvent> events) {
        List<String> payloads = new ArrayList<>();
        StringBuilder array = new StringBuilder("[");
        int bytes = 2;
        for (EngineEvent e : events) {
            String event = encode(e);
            int size = event.getBytes(StandardCharsets.UTF_8).length;
            if (size + 2 + SCHEMA_ROOM > MAX_PAYLOAD) {
                LOG.debug("the {} event of item {} is too long to announce ({} bytes)", e.type(), e.seq(), size);
                continue;
            }
            if (bytes + size + 1 + SCHEMA_ROOM > MAX_PAYLOAD) {
                payloads.add(array.append(']').toString());
                array = new StringBuilder("[");
                bytes = 2;
            }
            if (array.length() > 1) {
                array.append(',');
                bytes++;
            }
            array.append(event);
            bytes += size;
        }
        if (array.length() > 1) {
            payloads.add(array.append(']').toString());
        }
        return payloads;
    }

    private static String encode(EngineEvent e) {
        Map<String, Object> data = new LinkedHashMap<>(e.data());
        if (data.get("message") instanceof String m && m.length() > MAX_MESSAGE) {
            int cut = MAX_MESSAGE - 1;
            if (Character.isHighSurrogate(m.charAt(cut - 1))) {
                cut--; // never half a character
            }
            data.put("message", m.substring(0, cut) + "…");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("job", e.jobId().toString());
        out.put("seq", e.seq());
        out.put("type", e.type());
        out.put("at", e.at().toString());
        out.put("data", data);
        return Json.write(out);
    }

    /**
     * The events of a payload, if it comes from {@code schema} (a listener hears every schema of
     * the database); none for a payload it cannot read.
     */
    static List<EngineEvent> decode(String schema, String payload) {
        int newline = payload == null ? -1 : payload.indexOf('\n');
        if (newline < 0 || !payload.substring(0, newline).equals(schema)) {
            return List.of();
        }
        try {
            List<EngineEvent> events = new ArrayList<>();
            for (JsonNode n : Json.readTree(payload.substring(newline + 1))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> data = Json.MAPPER.convertValue(n.get("data"), LinkedHashMap.class);
                events.add(EngineEvent.of(n.get("type").asText(), UUID.fromString(n.get("job").asText()),
                        Instant.parse(n.get("at").asText()), n.get("seq").asLong(), data));
            }
            return events;
        } catch (RuntimeException e) {
            LOG.debug("an outcome announcement could not be read: {}", e.getMessage());
            return List.of();
        }
    }

    /**
     * Listens on a connection of its own from {@code dataSource} and calls {@code onEvent} with each
     * event announced on {@code schema}; close the handle to stop. Returns once it listens (or, when
     * the database cannot be reached, after {@value #LISTEN_WAIT_SECONDS} seconds: it keeps trying).
     */
    public static AutoCloseable listen(DataSource dataSource, String schema, Consumer<EngineEvent> onEvent) {
        PgNotifications listener = new PgNotifications(dataSource, CHANNEL, () -> { },
                payload -> decode(schema, payload).forEach(onEvent));
        if (!listener.awaitListening(java.time.Duration.ofSeconds(LISTEN_WAIT_SECONDS))) {
            LOG.warn("not yet listening for outcome announcements; trying on");
        }
        return listener;
    }
}
