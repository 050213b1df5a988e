package dev.bulwark.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.ErrorClass;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.JobStatus;
import dev.bulwark.internal.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * Maps PostgreSQL ledger rows to model records and binds parameters: instants as timestamptz
 * (truncated to the microsecond, PostgreSQL's precision), uuids as uuid, enums by name.
 *
 * <p>PostgreSQL's text cannot hold the character U+0000, which SQLite and Java strings can: it is
 * stored as U+FFFD, so a NUL in a handler's message never makes an outcome unrecordable.
 */
public final class PgRows {
    public static final String JOB_COLUMNS =
            "id, name, priority, tenant, status, reason, config, total, created_at, started_at, finished_at";
    /** The item columns, each prefixed with {@code i.} (claims join items with other rows). */
    public static final String ITEM_COLUMNS = "i.seq, i.key, i.payload, i.scope, i.status, i.attempts, i.interruptions, "
            + "i.last_attempt, i.fence, i.next_attempt_at, i.started_at, i.finished_at, i.error_class, i.category, i.message, "
            + "i.exit_code, i.duration_ms, i.log_path";
    public static final String ATTEMPT_COLUMNS = "number, started_at, finished_at, outcome, error_class, category, message, "
            + "exit_code, duration_ms, worker, log_path";
    public static final String EVENT_COLUMNS = "type, at, seq, data";

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private PgRows() {
    }

    public static Job job(ResultSet rs) throws SQLException {
        return new Job(rs.getObject(1, UUID.class), rs.getString(2), rs.getInt(3), rs.getString(4),
                JobStatus.valueOf(rs.getString(5)), rs.getString(6), JobConfig.fromJson(rs.getString(7)), rs.getLong(8),
                instant(rs, 9), instant(rs, 10), instant(rs, 11));
    }

    /** An item from the columns {@link #ITEM_COLUMNS}. */
    public static Item item(UUID jobId, ResultSet rs) throws SQLException {
        return new Item(jobId, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                ItemStatus.valueOf(rs.getString(5)), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getLong(9),
                instant(rs, 10), instant(rs, 11), instant(rs, 12), enumOrNull(ErrorClass.class, rs.getString(13)),
                rs.getString(14), rs.getString(15), intOrNull(rs, 16), longOrNull(rs, 17), rs.getString(18));
    }

    public static Attempt attempt(UUID jobId, long seq, ResultSet rs) throws SQLException {
        return new Attempt(jobId, seq, rs.getInt(1), instant(rs, 2), instant(rs, 3), AttemptOutcome.valueOf(rs.getString(4)),
                enumOrNull(ErrorClass.class, rs.getString(5)), rs.getString(6), rs.getString(7), intOrNull(rs, 8),
                rs.getLong(9), rs.getString(10), rs.getString(11));
    }

    public static EngineEvent event(UUID jobId, ResultSet rs) throws SQLException {
        try {
            return new EngineEvent(rs.getString(1), jobId, instant(rs, 2), rs.getLong(3), Json.MAPPER.readValue(rs.getString(4), MAP));
        } catch (JsonProcessingException e) {
            throw new BulwarkException("cannot read an event of job " + jobId + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Binds {@code values} from parameter 1 on. A null is sent without a type, so statements cast
     * parameters whose type PostgreSQL cannot infer from where they stand.
     */
    public static PreparedStatement bind(PreparedStatement ps, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            switch (v) {
                case null -> ps.setNull(i + 1, Types.NULL);
                case Instant t -> ps.setObject(i + 1, timestamp(t));
                case Enum<?> e -> ps.setString(i + 1, e.name());
                case UUID u -> ps.setObject(i + 1, u);
                case String s -> ps.setString(i + 1, text(s));
                case Long l -> ps.setLong(i + 1, l);
                case Integer n -> ps.setInt(i + 1, n);
                case Boolean b -> ps.setBoolean(i + 1, b);
                default -> ps.setObject(i + 1, v);
            }
        }
        return ps;
    }

    public static OffsetDateTime timestamp(Instant t) {
        return OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    /** {@code s} as PostgreSQL's text can hold it: U+0000 becomes U+FFFD. */
    public static String text(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }

    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Integer intOrNull(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    private static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static <E extends Enum<E>> E enumOrNull(Class<E> type, String name) {
        return name == null ? null : Enum.valueOf(type, name);
    }
}
