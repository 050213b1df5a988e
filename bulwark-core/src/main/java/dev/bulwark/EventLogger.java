package dev.bulwark;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Engine events as SLF4J log records on the logger {@code dev.bulwark.events}: the message is the
 * event type ({@code item_failed}, …) and the fields are key-value pairs — {@code event},
 * {@code job}, {@code seq}, {@code item} (the key), {@code attempt}, {@code error} (the failure's
 * message) and the event's other fields ({@code category}, {@code duration_ms}, …) — so a JSON encoder writes them as fields of one object.
 * Levels: DEBUG for an item's start and success (one per item: too many for INFO), WARN for final
 * failures and halts, INFO for the rest (job start and end, retries, breakers). Every engine logs
 * through it, and the logging configuration decides what shows: the command line enables it only
 * with {@code --log-format json}; in a Spring Boot application INFO shows by default
 * ({@code logging.level.dev.bulwark.events=WARN} quiets it). Stateless and thread-safe.
 */
public final class EventLogger implements JobListener {
    /** The logger events go to. */
    public static final String LOGGER = "dev.bulwark.events";
    /** The one instance every engine uses. */
    public static final EventLogger INSTANCE = new EventLogger();

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private EventLogger() {
    }

    @Override
    public void onEvent(EngineEvent event) {
        log(event);
    }

    /** Logs one event when {@code dev.bulwark.events} is enabled at its level. */
    public static void log(EngineEvent event) {
        Level level = switch (event) {
            case EngineEvent.ItemStarted s -> Level.DEBUG;
            case EngineEvent.ItemSucceeded s -> Level.DEBUG;
            case EngineEvent.ItemFailed f -> Level.WARN;
            case EngineEvent.JobHalting h -> Level.WARN;
            default -> Level.INFO;
        };
        if (!LOG.isEnabledForLevel(level)) {
            return;
        }
        LoggingEventBuilder b = LOG.atLevel(level)
                .addKeyValue("event", event.type()).addKeyValue("job", event.jobId().toString());
        if (event.seq() > 0) {
            b = b.addKeyValue("seq", event.seq());
        }
        for (Map.Entry<String, Object> field : event.data().entrySet()) {
            // "key" is the item's key: named "item" in logs, next to job and attempt; an event's
            // "message" (the failure's) is "error", since "message" is the log record's own field.
            String name = switch (field.getKey()) {
                case "key" -> "item";
                case "message" -> "error";
                default -> field.getKey();
            };
            if (!name.equals("config")) { // the full snapshot belongs to events.jsonl, not to every log line
                b = b.addKeyValue(name, field.getValue());
            }
        }
        b.log(event.type());
    }
}
