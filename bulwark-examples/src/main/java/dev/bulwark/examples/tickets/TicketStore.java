package dev.bulwark.examples.tickets;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The tickets read so far, in an SQLite table keyed by ticket number; each row names the run
 * (job id) that stored it, so a run's records can be found (and later rolled back) as a whole.
 * Storing a ticket again replaces it. A connection per call: safe from many threads.
 */
public final class TicketStore {
    private final String url;

    public TicketStore(Path file) throws SQLException {
        this.url = "jdbc:sqlite:" + file;
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("pragma journal_mode = wal");
            s.execute("create table if not exists tickets (number text primary key, date text, truck text, "
                    + "material text, tons text, file text, job_id text)");
        }
    }

    public void store(Ticket t, String jobId) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute("pragma busy_timeout = 10000");
            try (PreparedStatement ps = c.prepareStatement("insert or replace into tickets values (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, t.number());
                ps.setString(2, t.date());
                ps.setString(3, t.truck());
                ps.setString(4, t.material());
                ps.setString(5, t.tons().toPlainString());
                ps.setString(6, t.file());
                ps.setString(7, jobId);
                ps.executeUpdate();
            }
        }
    }

    /**
     * Deletes the ticket that run {@code jobId} stored from {@code file} (the compensation of a
     * rollback); nothing when that run stored none. Returns the rows deleted.
     */
    public int delete(String file, String jobId) throws SQLException {
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute("pragma busy_timeout = 10000");
            try (PreparedStatement ps = c.prepareStatement("delete from tickets where file = ? and job_id = ?")) {
                ps.setString(1, file);
                ps.setString(2, jobId);
                return ps.executeUpdate();
            }
        }
    }

    /** Every stored ticket, by number. */
    public List<Ticket> all() throws SQLException {
        return stored(null);
    }

    /** The tickets stored by run {@code jobId} (every run when null), by number. */
    public List<Ticket> stored(String jobId) throws SQLException {
        List<Ticket> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("select number, date, truck, material, tons, file from tickets "
                     + "where ? is null or job_id = ? order by number")) {
            ps.setString(1, jobId);
            ps.setString(2, jobId);
            ResultSet rs = ps.executeQuery();
            while (rs.next()) {
                out.add(new Ticket(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        new BigDecimal(rs.getString(5)), rs.getString(6)));
            }
        }
        return out;
    }
}
