package dev.bulwark.jdbc.internal;

import dev.bulwark.jdbc.postgres.PostgresDialect;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The {@link Rows} of the PostgreSQL dialect, as static shortcuts for the code only the shared
 * ledger has (leases, worker jobs, shared breakers).
 */
public final class PgRows {
    public static final Rows ROWS = new Rows(PostgresDialect.INSTANCE);
    public static final String JOB_COLUMNS = Rows.JOB_COLUMNS;
    public static final String ITEM_COLUMNS = Rows.ITEM_COLUMNS;
    public static final String ATTEMPT_COLUMNS = Rows.ATTEMPT_COLUMNS;
    public static final String EVENT_COLUMNS = Rows.EVENT_COLUMNS;

    private PgRows() {
    }

    public static PreparedStatement bind(PreparedStatement ps, Object... values) throws SQLException {
        return ROWS.bind(ps, values);
    }

    public static Instant instant(ResultSet rs, int column) throws SQLException {
        return ROWS.instant(rs, column);
    }

    public static dev.bulwark.Job job(ResultSet rs) throws SQLException {
        return ROWS.job(rs);
    }

    public static dev.bulwark.Item item(java.util.UUID jobId, ResultSet rs) throws SQLException {
        return ROWS.item(jobId, rs);
    }

    public static dev.bulwark.Attempt attempt(java.util.UUID jobId, long seq, ResultSet rs) throws SQLException {
        return ROWS.attempt(jobId, seq, rs);
    }

    public static dev.bulwark.EngineEvent event(java.util.UUID jobId, ResultSet rs) throws SQLException {
        return ROWS.event(jobId, rs);
    }

    public static OffsetDateTime timestamp(Instant t) {
        return PostgresDialect.timestamp(t);
    }

    public static String text(String s) {
        return PostgresDialect.INSTANCE.text(s);
    }
}
