package dev.bulwark;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.bulwark.breaker.CircuitBreaker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * An engine event: one record per type ({@link JobStarted}, {@link ItemFailed},
 * {@link BreakerOpened}, …), and {@link Other} for a type this version does not know (written by a
 * newer one). Events go to listeners and to the JSON-lines log; all but the per-item success
 * events are also kept in the ledger (successes are in the attempts table already).
 *
 * <p>Listeners read them as types:
 * <pre>{@code
 * switch (event) {
 *     case EngineEvent.ItemFailed f -> alert(f.key(), f.category(), f.message());
 *     case EngineEvent.BreakerOpened o -> page(o.scope(), o.openUntil());
 *     case EngineEvent.JobFinished f -> done(f.status());
 *     default -> { }
 * }
 * }</pre>
 *
 * <p>Stored and sent forms: the type name ({@link #type()}) and the event's own fields as one JSON
 * object ({@link #data()}, written by Jackson with the shared {@link dev.bulwark.util.Json} mapper:
 * snake_case names, times in ISO-8601, durations in milliseconds, fields without a value left out).
 * {@link #of} reads them back into the record of the type.
 */
@JsonIgnoreProperties(value = {"jobId", "at", "seq"}, allowSetters = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface EngineEvent {

    String JOB_STARTED = "job_started";
    String ITEMS_FOUND = "items_found";
    String ITEM_STARTED = "item_started";
    String ITEM_SUCCEEDED = "item_succeeded";
    String ITEM_FAILED = "item_failed";
    String ITEM_RETRY_SCHEDULED = "item_retry_scheduled";
    String ITEM_INTERRUPTED = "item_interrupted";
    String ITEMS_RECOVERED = "items_recovered";
    String JOB_HALTING = "job_halting";
    String ROLLBACK_STARTED = "rollback_started";
    String ITEM_COMPENSATED = "item_compensated";
    String ITEM_COMPENSATION_FAILED = "item_compensation_failed";
    String JOB_PAUSED = "job_paused";
    String JOB_FINISHED = "job_finished";
    String BREAKER_OPENED = "breaker_opened";
    String BREAKER_HALF_OPEN = "breaker_half_open";
    String BREAKER_CLOSED = "breaker_closed";
    String CONFIG_REVISED = "config_revised";
    String ITEM_OUTPUTS = "item_outputs";

    /** The event's type name, as stored and sent ({@code item_failed}, …): the one its record is registered under. */
    default String type() {
        return EngineEventJson.typeOf(this);
    }

    /** The job. */
    UUID jobId();

    /** When it happened. */
    Instant at();

    /** The item, or 0 for job events. */
    default long seq() {
        return 0;
    }

    /**
     * The event's fields as a map, as they are stored and sent (the JSON object, read back): for
     * consumers that handle every event alike, such as the JSON-lines log.
     */
    default Map<String, Object> data() {
        return EngineEventJson.data(this);
    }

    /** Whether the ledger keeps this event (per-item successes and starts live in the attempts table). */
    default boolean kept() {
        String type = type();
        return !ITEM_SUCCEEDED.equals(type) && !ITEM_STARTED.equals(type);
    }

    /**
     * The event of a type with its stored fields: the record of {@code type}, or {@link Other}
     * when the type is not known to this version or its fields do not fit the record. Never fails
     * on what an older or newer version wrote.
     */
    static EngineEvent of(String type, UUID jobId, Instant at, long seq, Map<String, ?> data) {
        return EngineEventJson.read(type, jobId, at, seq, data);
    }

    /** The type names this version knows, each with its record. */
    static Map<String, Class<? extends EngineEvent>> types() {
        return EngineEventJson.TYPES;
    }

    // ---- job events ----

    /** A run of the job started (a resume starts a run too). */
    record JobStarted(UUID jobId, Instant at, String name, long total, String worker, Map<String, Object> config)
            implements EngineEvent {
        public JobStarted {
            config = config == null ? null : EngineEventJson.copy(config);
        }
    }

    /** The job's items were all read from its input. */
    record ItemsFound(UUID jobId, Instant at, long count) implements EngineEvent {
    }

    /** Attempts left running by a crash were recorded as interrupted when the job resumed. */
    record ItemsRecovered(UUID jobId, Instant at, long count, String message) implements EngineEvent {
    }

    /** The job stops early; its remaining items were skipped. */
    record JobHalting(UUID jobId, Instant at, String reason, long skipped) implements EngineEvent {
    }

    /** The job rolls back: its succeeded items are compensated, newest first. */
    record RollbackStarted(UUID jobId, Instant at, long items) implements EngineEvent {
    }

    /** The run paused; a resume goes on. */
    record JobPaused(UUID jobId, Instant at, String reason) implements EngineEvent {
    }

    /**
     * The job ended with its final status.
     *
     * @param interruptions attempts interrupted (workers' jobs), or null
     * @param duration      how long this run took (a job run in one process), or null
     */
    record JobFinished(UUID jobId, Instant at, JobStatus status, String reason, long succeeded, long failed, long skipped,
                       long retries, Long interruptions,
                       @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                       @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration)
            implements EngineEvent {
    }

    /**
     * A resume or retry-failed changed the job's policies.
     *
     * @param revision the configuration's revision (1 is the one the job was accepted with)
     * @param by       the command that revised it
     * @param changes  what changed: setting → {@code old -> new}
     */
    record ConfigRevised(UUID jobId, Instant at, int revision, String by, Map<String, String> changes) implements EngineEvent {
        public ConfigRevised {
            changes = changes == null ? null : EngineEventJson.copy(changes);
        }
    }

    // ---- item events ----

    /** An attempt of an item started. */
    record ItemStarted(UUID jobId, Instant at, long seq, String key, int attempt) implements EngineEvent {
    }

    /**
     * What became of an attempt, once the ledger recorded it: {@link ItemSucceeded},
     * {@link ItemFailed}, {@link ItemRetryScheduled} or {@link ItemInterrupted}.
     */
    sealed interface AttemptEnded extends EngineEvent permits ItemSucceeded, ItemFailed, ItemRetryScheduled, ItemInterrupted {
        /** The item's key, or null when not known (an outcome announced by another process). */
        String key();

        /** The attempt's number, or 0 when no attempt ran (an item failed by an open breaker). */
        int attempt();

        /** How long the attempt ran, or null when no attempt ran. */
        Duration duration();

        /** The worker that ran it, or null for a job run in one process. */
        String worker();

        /** The command's exit code, or null. */
        Integer exitCode();

        /** The failure's category, or null on success. */
        default String category() {
            return null;
        }

        /** The failure's message, or null. */
        default String message() {
            return null;
        }
    }

    /** An attempt succeeded: the item is done. */
    @JsonPropertyOrder({"key", "attempt", "duration_ms", "worker", "exit_code"})
    record ItemSucceeded(UUID jobId, Instant at, long seq, String key, int attempt,
                         @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                         @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration,
                         String worker, @JsonProperty("exit_code") Integer exitCode) implements AttemptEnded {
    }

    /**
     * An item failed for good in this run (it is in the review queue).
     *
     * @param errorClass the failure's class
     * @param scope      the scope whose open breaker failed it, or null
     */
    @JsonPropertyOrder({"key", "attempt", "duration_ms", "worker", "exit_code", "category", "message", "error_class", "scope"})
    record ItemFailed(UUID jobId, Instant at, long seq, String key,
                      @JsonInclude(JsonInclude.Include.NON_DEFAULT) int attempt,
                      @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                      @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration,
                      String worker, @JsonProperty("exit_code") Integer exitCode, String category, String message,
                      @JsonProperty("error_class") @JsonSerialize(using = EngineEventJson.LowerCaseWriter.class)
                      @JsonDeserialize(using = EngineEventJson.ErrorClassReader.class) ErrorClass errorClass,
                      String scope) implements AttemptEnded {
    }

    /** An attempt failed transiently; the item runs again at {@code retryAt}. */
    @JsonPropertyOrder({"key", "attempt", "duration_ms", "worker", "exit_code", "category", "message", "error_class", "retry_at"})
    record ItemRetryScheduled(UUID jobId, Instant at, long seq, String key, int attempt,
                              @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                              @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration,
                              String worker, @JsonProperty("exit_code") Integer exitCode, String category, String message,
                              @JsonProperty("error_class") @JsonSerialize(using = EngineEventJson.LowerCaseWriter.class)
                              @JsonDeserialize(using = EngineEventJson.ErrorClassReader.class) ErrorClass errorClass,
                              @JsonProperty("retry_at") Instant retryAt) implements AttemptEnded {
    }

    /** An attempt was stopped from outside (pause, cancel, halt) and does not count. */
    @JsonPropertyOrder({"key", "attempt", "duration_ms", "worker", "exit_code", "category", "message"})
    record ItemInterrupted(UUID jobId, Instant at, long seq, String key, int attempt,
                           @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                           @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration,
                           String worker, @JsonProperty("exit_code") Integer exitCode, String category, String message)
            implements AttemptEnded {
    }

    /** A succeeded item was undone by its compensation during a rollback. */
    @JsonPropertyOrder({"key", "attempt", "duration_ms"})
    record ItemCompensated(UUID jobId, Instant at, long seq, String key, int attempt,
                           @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                           @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration)
            implements EngineEvent {
    }

    /** A succeeded item's compensation failed during a rollback. */
    @JsonPropertyOrder({"key", "attempt", "duration_ms", "category", "message"})
    record ItemCompensationFailed(UUID jobId, Instant at, long seq, String key, int attempt,
                                  @JsonProperty("duration_ms") @JsonSerialize(using = EngineEventJson.MillisWriter.class)
                                  @JsonDeserialize(using = EngineEventJson.MillisReader.class) Duration duration,
                                  String category, String message) implements EngineEvent {
    }

    /**
     * The files a succeeded attempt left in its outputs folder (the service's {@code outputs}).
     *
     * @param files each file's name, size and SHA-256
     */
    record ItemOutputs(UUID jobId, Instant at, long seq, int attempt, List<File> files) implements EngineEvent {
        public ItemOutputs {
            files = files == null ? null : List.copyOf(files);
        }

        /** One output file. */
        public record File(String name, long size, String sha256) {
        }
    }

    // ---- breaker events ----

    /**
     * A scope's circuit breaker changed state: {@link BreakerOpened}, {@link BreakerHalfOpen} or
     * {@link BreakerClosed}. A resumed job restores its breakers from the latest of them.
     */
    sealed interface BreakerEvent extends EngineEvent permits BreakerOpened, BreakerHalfOpen, BreakerClosed {
        /** The scope. */
        String scope();

        /** The state it left. */
        CircuitBreaker.State from();

        /** The state it entered: the one its record stands for. */
        @JsonProperty("to")
        default CircuitBreaker.State to() {
            return switch (this) {
                case BreakerOpened o -> CircuitBreaker.State.OPEN;
                case BreakerHalfOpen h -> CircuitBreaker.State.HALF_OPEN;
                case BreakerClosed c -> CircuitBreaker.State.CLOSED;
            };
        }

        /** Until when it stays open ({@link BreakerOpened} only), else null. */
        default Instant openUntil() {
            return null;
        }

        /** Re-opens since it last closed (the open time grows with them). */
        int reopens();

        /** Why it changed. */
        String reason();

        /** The event of a transition. */
        static BreakerEvent of(UUID jobId, CircuitBreaker.Transition t, int reopens) {
            Objects.requireNonNull(t, "t");
            return switch (t.to()) {
                case OPEN -> new BreakerOpened(jobId, t.at(), t.scope(), t.from(), t.openUntil(), reopens, t.reason());
                case HALF_OPEN -> new BreakerHalfOpen(jobId, t.at(), t.scope(), t.from(), reopens, t.reason());
                case CLOSED -> new BreakerClosed(jobId, t.at(), t.scope(), t.from(), reopens, t.reason());
            };
        }
    }

    /** A scope's breaker opened: its items wait (or fail, or halt the job) until {@code openUntil}. */
    @JsonPropertyOrder({"scope", "from", "to", "open_until", "reopens", "reason"})
    record BreakerOpened(UUID jobId, Instant at, String scope, CircuitBreaker.State from,
                         @JsonProperty("open_until") Instant openUntil, int reopens, String reason) implements BreakerEvent {
        public BreakerOpened {
            Objects.requireNonNull(scope, "scope");
        }
    }

    /** A scope's breaker let trial calls through. */
    @JsonPropertyOrder({"scope", "from", "to", "reopens", "reason"})
    record BreakerHalfOpen(UUID jobId, Instant at, String scope, CircuitBreaker.State from, int reopens, String reason)
            implements BreakerEvent {
        public BreakerHalfOpen {
            Objects.requireNonNull(scope, "scope");
        }
    }

    /** A scope's breaker closed (its trials succeeded, or it was reset by hand). */
    @JsonPropertyOrder({"scope", "from", "to", "reopens", "reason"})
    record BreakerClosed(UUID jobId, Instant at, String scope, CircuitBreaker.State from, int reopens, String reason)
            implements BreakerEvent {
        public BreakerClosed {
            Objects.requireNonNull(scope, "scope");
        }
    }

    // ---- any other ----

    /**
     * An event of a type this version does not know (written by a newer version), or whose fields
     * do not fit its record: kept as it was stored, so it reads back, is shown and is sent on.
     */
    record Other(String type, UUID jobId, Instant at, long seq, Map<String, Object> data) implements EngineEvent {
        public Other {
            Objects.requireNonNull(type, "type");
            data = data == null ? Map.of() : EngineEventJson.copy(data);
        }

        @Override
        @JsonValue
        public Map<String, Object> data() {
            return data;
        }
    }
}
