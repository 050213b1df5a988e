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
import dev.bulwark.util.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Maps ledger rows to model records and binds parameters, the same on every database: only
 * instants, UUIDs, booleans and text go through the {@link Dialect}; enums are stored by name.
 * Stateless and thread-safe.
 */
public final class Rows {
    public static final String JOB_COLUMNS =
            "id, name, priority, tenant, status, reason, config, total, created_at, started_at, finished_at";
    /** The item columns, each prefixed with {@code i.} (queries name the items table {@code i}). */
    public static final String ITEM_COLUMNS = "i.seq, i.key, i.payload, i.scope, i.status, i.attempts, i.interruptions, "
            + "i.last_attempt, i.fence, i.next_attempt_at, i.started_at, i.finished_at, i.error_class, i.category, i.message, "
            + "i.exit_code, i.duration_ms, i.log_path, i.result";
    public static final String ATTEMPT_COLUMNS = "number, started_at, finished_at, outcome, error_class, category, message, "
            + "exit_code, duration_ms, worker, log_path";
    public static final String EVENT_COLUMNS = "type, at, seq, data";
    /** What a claim reads back of the items it claimed, where the rest is known. */
    public static final String CLAIMED_COLUMNS = "seq, key, payload, scope, attempts, interruptions, last_attempt, fence, "
            + "started_at, error_class, category, message, exit_code, duration_ms, log_path";

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final Dialect dialect;

    public Rows(Dialect dialect) {
        this.dialect = dialect;
    }

    public Dialect dialect() {
        return dialect;
    }

    public Job job(ResultSet rs) throws SQLException {
        return new Job(dialect.uuids().read(rs, 1), rs.getString(2), rs.getInt(3), rs.getString(4),
                JobStatus.valueOf(rs.getString(5)), rs.getString(6), JobConfig.fromJson(rs.getString(7)), rs.getLong(8),
                instant(rs, 9), instant(rs, 10), instant(rs, 11));
    }

    /** An item from the columns {@link #ITEM_COLUMNS}. */
    public Item item(UUID jobId, ResultSet rs) throws SQLException {
        return new Item(jobId, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                ItemStatus.valueOf(rs.getString(5)), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getLong(9),
                instant(rs, 10), instant(rs, 11), instant(rs, 12), enumOrNull(ErrorClass.class, rs.getString(13)),
                rs.getString(14), rs.getString(15), intOrNull(rs, 16), longOrNull(rs, 17), rs.getString(18),
                rs.getString(19));
    }

    /** A claimed item from the row a claim returns ({@link #CLAIMED_COLUMNS}); the rest of it is known. */
    public Item claimed(UUID jobId, ResultSet rs) throws SQLException {
        return new Item(jobId, rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), ItemStatus.RUNNING,
                rs.getInt(5), rs.getInt(6), rs.getInt(7), rs.getLong(8), null, instant(rs, 9), null,
                enumOrNull(ErrorClass.class, rs.getString(10)), rs.getString(11), rs.getString(12), intOrNull(rs, 13),
                longOrNull(rs, 14), rs.getString(15));
    }

    public Attempt attempt(UUID jobId, long seq, ResultSet rs) throws SQLException {
        return new Attempt(jobId, seq, rs.getInt(1), instant(rs, 2), instant(rs, 3), AttemptOutcome.valueOf(rs.getString(4)),
                enumOrNull(ErrorClass.class, rs.getString(5)), rs.getString(6), rs.getString(7), intOrNull(rs, 8),
                rs.getLong(9), rs.getString(10), rs.getString(11));
    }

    public EngineEvent event(UUID jobId, ResultSet rs) throws SQLException {
        try {
            return EngineEvent.of(rs.getString(1), jobId, instant(rs, 2), rs.getLong(3), Json.MAPPER.readValue(rs.getString(4), MAP));
        } catch (JsonProcessingException e) {
            throw new BulwarkException("cannot read an event of job " + jobId + ": " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Binds {@code values} from parameter 1 on. A null is sent without a type, so statements cast
     * parameters whose type the database cannot infer from where they stand.
     */
    public PreparedStatement bind(PreparedStatement ps, Object... values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            switch (v) {
                case null -> ps.setNull(i + 1, Types.NULL);
                case Instant t -> dialect.instants().bind(ps, i + 1, t);
                case Enum<?> e -> ps.setString(i + 1, e.name());
                case UUID u -> dialect.uuids().bind(ps, i + 1, u);
                case String s -> ps.setString(i + 1, dialect.text(s));
                case Long l -> ps.setLong(i + 1, l);
                case Integer n -> ps.setInt(i + 1, n);
                case Boolean b -> dialect.booleans().bind(ps, i + 1, b);
                default -> ps.setObject(i + 1, v);
            }
        }
        return ps;
    }

    public Instant instant(ResultSet rs, int column) throws SQLException {
        return dialect.instants().read(rs, column);
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
