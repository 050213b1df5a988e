package dev.bulwark.jdbc.internal;

import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerState;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.BreakerStore;
import dev.bulwark.breaker.CircuitBreaker;
import dev.bulwark.util.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The shared, named breakers of a JDBC ledger, in its tables {@code named_breakers} (one row per
 * name: the policy it was created with and its {@link BreakerState}, both as JSON) and
 * {@code named_breaker_events} (its transitions). The same SQL for SQLite and PostgreSQL: an
 * update locks the row ({@code FOR UPDATE} on PostgreSQL; SQLite's write transaction holds the
 * file), so every process on the ledger changes a breaker one at a time. Times are epoch
 * milliseconds from the callers' clocks. Thread-safe.
 */
public final class JdbcBreakerStore implements BreakerStore {

    /** How the store reaches its database: a transaction for writes, and reads. */
    public interface Transactions {
        <T> T write(String what, PgTx.Work<T> work);

        <T> T read(String what, PgTx.Work<T> work);
    }

    private static final String COLUMNS = "name, policy, state, since_ms, reason";

    private final Transactions tx;
    private final String lock;

    /** @param rowLocks whether to lock a row with {@code FOR UPDATE} (PostgreSQL) or not (SQLite: the transaction holds the file) */
    public JdbcBreakerStore(Transactions tx, boolean rowLocks) {
        this.tx = tx;
        this.lock = rowLocks ? " FOR UPDATE" : "";
    }

    @Override
    public <T> T update(String name, BreakerPolicy policy, Change<T> change) {
        return tx.write("change the shared breaker " + name, c -> update(c, name, policy, change));
    }

    /**
     * {@link #update(String, BreakerPolicy, Change)} in the caller's transaction on {@code c}: the
     * worker of a shared ledger counts an outcome in the breaker in the transaction that records
     * the outcome, and takes a trial call in the transaction that claims it.
     */
    public <T> T update(Connection c, String name, BreakerPolicy policy, Change<T> change) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO named_breakers (" + COLUMNS + ") VALUES (?, ?, ?, NULL, NULL) "
                + "ON CONFLICT (name) DO NOTHING")) {
            ps.setString(1, name);
            ps.setString(2, Json.write(policy));
            ps.setString(3, Json.write(BreakerState.CLOSED));
            ps.executeUpdate();
        }
        SharedBreaker current = one(c, "SELECT " + COLUMNS + " FROM named_breakers WHERE name = ?" + lock, name).orElseThrow();
        Result<T> result = change.apply(current);
        Optional<CircuitBreaker.Transition> t = result.transition();
        if (t.isEmpty() && result.state().equals(current.state())) {
            return result.value();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE named_breakers SET state = ?, since_ms = ?, reason = ? WHERE name = ?")) {
            ps.setString(1, Json.write(result.state()));
            setMillis(ps, 2, t.map(CircuitBreaker.Transition::at).orElse(current.since()));
            ps.setString(3, t.map(CircuitBreaker.Transition::reason).orElse(current.reason()));
            ps.setString(4, name);
            ps.executeUpdate();
        }
        if (t.isPresent()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO named_breaker_events (name, at_ms, from_state, to_state, "
                    + "open_until_ms, reopens, reason) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, name);
                ps.setLong(2, t.get().at().toEpochMilli());
                ps.setString(3, t.get().from().name());
                ps.setString(4, t.get().to().name());
                setMillis(ps, 5, t.get().openUntil());
                ps.setInt(6, result.state().reopens());
                ps.setString(7, t.get().reason());
                ps.executeUpdate();
            }
        }
        return result.value();
    }

    @Override
    public Optional<SharedBreaker> find(String name) {
        return tx.read("read the shared breaker " + name, c -> one(c, "SELECT " + COLUMNS + " FROM named_breakers WHERE name = ?", name));
    }

    @Override
    public List<SharedBreaker> list() {
        return tx.read("list the shared breakers", c -> {
            List<SharedBreaker> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM named_breakers ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    @Override
    public List<BreakerStatus> events(String name, int limit) {
        return tx.read("read the events of the shared breaker " + name, c -> {
            List<BreakerStatus> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT to_state, at_ms, open_until_ms, reopens, reason FROM "
                    + "named_breaker_events WHERE name = ? ORDER BY id DESC LIMIT ?")) {
                ps.setString(1, name);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new BreakerStatus(name, CircuitBreaker.State.valueOf(rs.getString(1)), millis(rs, 2), millis(rs, 3),
                                rs.getInt(4), rs.getString(5)));
                    }
                }
            }
            Collections.reverse(out);
            return out;
        });
    }

    @Override
    public boolean delete(String name) {
        return tx.write("delete the shared breaker " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM named_breaker_events WHERE name = ?")) {
                ps.setString(1, name);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM named_breakers WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
    }

    private static Optional<SharedBreaker> one(Connection c, String sql, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /** The breaker in columns 1-5 of {@code rs}: name, policy, state, since (milliseconds, may be NULL), reason. */
    static SharedBreaker row(ResultSet rs) throws SQLException {
        return new SharedBreaker(rs.getString(1), Json.read(rs.getString(2), BreakerPolicy.class),
                Json.read(rs.getString(3), BreakerState.class), millis(rs, 4), rs.getString(5));
    }

    private static Instant millis(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void setMillis(PreparedStatement ps, int index, Instant at) throws SQLException {
        if (at == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, at.toEpochMilli());
        }
    }
}
