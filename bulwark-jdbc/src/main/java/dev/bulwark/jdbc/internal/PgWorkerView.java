package dev.bulwark.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** What an operator sees of the workers of a shared ledger: the leases they hold and the items that stalled. */
public final class PgWorkerView {
    private PgWorkerView() {
    }

    /** A worker that holds leases: how many, and when the earliest and latest of them end. */
    public record Holder(String worker, long leases, Instant earliestEnd, Instant latestEnd) {
    }

    /** An unfinished item of an active worker job whose lease expired at least once. */
    public record Stalled(UUID jobId, long seq, String key, String status, int stalls, String leaseOwner) {
    }

    public static List<Holder> holders(Connection c) throws SQLException {
        List<Holder> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT i.lease_owner, count(*), min(i.lease_until), max(i.lease_until) "
                + "FROM items i JOIN jobs j ON j.pk = i.job_pk WHERE j.dispatch = 'workers' AND j.status IN ('QUEUED', 'RUNNING') "
                + "AND i.status = 'RUNNING' AND i.lease_owner IS NOT NULL GROUP BY i.lease_owner ORDER BY i.lease_owner");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Holder(rs.getString(1), rs.getLong(2), instant(rs.getTimestamp(3)), instant(rs.getTimestamp(4))));
            }
        }
        return out;
    }

    public static List<Stalled> stalled(Connection c, int limit) throws SQLException {
        List<Stalled> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT j.id, i.seq, i.key, i.status, i.stalls, i.lease_owner "
                + "FROM items i JOIN jobs j ON j.pk = i.job_pk WHERE j.dispatch = 'workers' AND j.status IN ('QUEUED', 'RUNNING') "
                + "AND i.stalls > 0 AND i.status IN ('PENDING', 'RUNNING', 'RETRY_WAIT') ORDER BY i.stalls DESC, j.pk, i.seq LIMIT ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Stalled(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getString(6)));
                }
            }
        }
        return out;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
