package dev.bulwark;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.bulwark.util.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * How {@link EngineEvent}s become their stored form and back, with the shared Jackson mapper: the
 * type names and their records, and the few field codecs whose JSON is older than the records
 * (durations in milliseconds, error classes in lower case).
 */
final class EngineEventJson {
    static final Map<String, Class<? extends EngineEvent>> TYPES = types();
    /** The other way round: each record's type name. */
    private static final Map<Class<?>, String> NAMES = names();

    private EngineEventJson() {
    }

    private static Map<Class<?>, String> names() {
        Map<Class<?>, String> n = new java.util.HashMap<>();
        TYPES.forEach((name, record) -> n.put(record, name));
        return Map.copyOf(n);
    }

    /** The type name of a registered record. */
    static String typeOf(EngineEvent event) {
        return NAMES.get(event.getClass());
    }

    private static Map<String, Class<? extends EngineEvent>> types() {
        Map<String, Class<? extends EngineEvent>> t = new LinkedHashMap<>();
        t.put(EngineEvent.JOB_STARTED, EngineEvent.JobStarted.class);
        t.put(EngineEvent.ITEMS_FOUND, EngineEvent.ItemsFound.class);
        t.put(EngineEvent.ITEM_STARTED, EngineEvent.ItemStarted.class);
        t.put(EngineEvent.ITEM_SUCCEEDED, EngineEvent.ItemSucceeded.class);
        t.put(EngineEvent.ITEM_FAILED, EngineEvent.ItemFailed.class);
        t.put(EngineEvent.ITEM_RETRY_SCHEDULED, EngineEvent.ItemRetryScheduled.class);
        t.put(EngineEvent.ITEM_INTERRUPTED, EngineEvent.ItemInterrupted.class);
        t.put(EngineEvent.ITEMS_RECOVERED, EngineEvent.ItemsRecovered.class);
        t.put(EngineEvent.JOB_HALTING, EngineEvent.JobHalting.class);
        t.put(EngineEvent.ROLLBACK_STARTED, EngineEvent.RollbackStarted.class);
        t.put(EngineEvent.ITEM_COMPENSATED, EngineEvent.ItemCompensated.class);
        t.put(EngineEvent.ITEM_COMPENSATION_FAILED, EngineEvent.ItemCompensationFailed.class);
        t.put(EngineEvent.JOB_PAUSED, EngineEvent.JobPaused.class);
        t.put(EngineEvent.JOB_FINISHED, EngineEvent.JobFinished.class);
        t.put(EngineEvent.BREAKER_OPENED, EngineEvent.BreakerOpened.class);
        t.put(EngineEvent.BREAKER_HALF_OPEN, EngineEvent.BreakerHalfOpen.class);
        t.put(EngineEvent.BREAKER_CLOSED, EngineEvent.BreakerClosed.class);
        t.put(EngineEvent.CONFIG_REVISED, EngineEvent.ConfigRevised.class);
        t.put(EngineEvent.ITEM_OUTPUTS, EngineEvent.ItemOutputs.class);
        return Collections.unmodifiableMap(t);
    }

    /**
     * The event's fields as its JSON object has them, read back as a stored row is (numbers as
     * Integer when they fit), so an event's map is the same whether it was just emitted or read
     * from a ledger.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> data(EngineEvent e) {
        return Collections.unmodifiableMap(Json.read(Json.write(e), LinkedHashMap.class));
    }

    /** The record of {@code type} with these fields, or {@link EngineEvent.Other}. */
    static EngineEvent read(String type, UUID jobId, Instant at, long seq, Map<String, ?> data) {
        Objects.requireNonNull(type, "type");
        Map<String, Object> fields = data == null ? Map.of() : copy(data);
        Class<? extends EngineEvent> record = TYPES.get(type);
        if (record != null) {
            Map<String, Object> in = new LinkedHashMap<>(fields);
            in.put("jobId", jobId);
            in.put("at", at);
            in.put("seq", seq);
            try {
                return Json.MAPPER.convertValue(in, record);
            } catch (RuntimeException e) {
                // fields that do not fit (a newer version's, a value out of range): kept as they are
            }
        }
        return new EngineEvent.Other(type, jobId, at, seq, fields);
    }

    /** An unmodifiable copy in the same order; values may be null. */
    static <V> Map<String, V> copy(Map<String, ? extends V> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** A duration as whole milliseconds. */
    static final class MillisWriter extends StdSerializer<Duration> {
        MillisWriter() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeNumber(value.toMillis());
        }
    }

    /** Milliseconds (or an ISO-8601 duration) as a duration. */
    static final class MillisReader extends StdDeserializer<Duration> {
        MillisReader() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                return text.startsWith("P") || text.startsWith("-P") ? Duration.parse(text) : Duration.ofMillis(Long.parseLong(text));
            }
            return Duration.ofMillis(p.getValueAsLong());
        }
    }

    /** An enum constant in lower case ({@code permanent}). */
    static final class LowerCaseWriter extends StdSerializer<Enum<?>> {
        @SuppressWarnings({"unchecked", "rawtypes"})
        LowerCaseWriter() {
            super((Class) Enum.class);
        }

        @Override
        public void serialize(Enum<?> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.name().toLowerCase(Locale.ROOT));
        }
    }

    /** An error class in any case. */
    static final class ErrorClassReader extends StdDeserializer<ErrorClass> {
        ErrorClassReader() {
            super(ErrorClass.class);
        }

        @Override
        public ErrorClass deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return ErrorClass.valueOf(p.getText().trim().toUpperCase(Locale.ROOT));
        }
    }
}
