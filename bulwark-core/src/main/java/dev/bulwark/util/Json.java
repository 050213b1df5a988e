package dev.bulwark.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.bulwark.BulwarkException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The one shared, thread-safe Jackson mapper: ISO-8601 times and durations. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Set<Class<?>> PREPARED = ConcurrentHashMap.newKeySet();

    private Json() {
    }

    /**
     * Writes each sample and reads it back, once per class and JVM, so that the mapper and its
     * serializers for those classes are built now rather than at their first real use. In a fresh
     * JVM that costs a few hundred milliseconds (class loading, mostly); a ledger pays it as it
     * opens, the way the libraries it is compared with build their codecs while being set up, so
     * that a job's first submission is not slowed by it. Nothing is saved: the cost moves. A
     * failure is ignored here; the first real use meets it again and reports it.
     */
    public static void prepare(Object... samples) {
        for (Object sample : samples) {
            if (PREPARED.add(sample.getClass())) {
                try {
                    read(write(sample), sample.getClass());
                } catch (RuntimeException e) {
                    // reported by the first real use, if it is real
                }
            }
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new BulwarkException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new BulwarkException("cannot read JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a JSON document into a tree. */
    public static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new dev.bulwark.BulwarkException("cannot read JSON: " + e.getMessage(), e);
        }
    }
}
