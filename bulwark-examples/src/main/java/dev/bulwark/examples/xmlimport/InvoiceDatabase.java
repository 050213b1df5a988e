package dev.bulwark.examples.xmlimport;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The target database: an SQLite file with an {@code invoices} table and its {@code invoice_lines}.
 * Each import is one transaction that replaces the invoice (by number) and its lines, so running
 * an import again is harmless. Opens a connection per call: safe from many threads.
 */
public final class InvoiceDatabase {
    private final String url;

    public InvoiceDatabase(Path file) throws SQLException {
        this.url = "jdbc:sqlite:" + file;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("pragma journal_mode = wal");
            s.execute("""
                    create table if not exists invoices (
                      number text primary key, issued text not null, customer_id text not null, customer text not null,
                      total_cents integer not null, source_file text not null, job_id text not null)""");
            s.execute("""
                    create table if not exists invoice_lines (
                      number text not null references invoices(number) on delete cascade, position integer not null,
                      sku text not null, quantity integer not null, unit_price_cents integer not null,
                      primary key (number, position))""");
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("pragma busy_timeout = 10000");
            s.execute("pragma foreign_keys = on");
        }
        return c;
    }

    /** Stores {@code invoice} (replacing an earlier import of the same number) in one transaction. */
    public void upsert(Invoice invoice, String sourceFile, String jobId) throws SQLException {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("delete from invoices where number = ?");
                 PreparedStatement ins = c.prepareStatement("insert into invoices values (?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement line = c.prepareStatement("insert into invoice_lines values (?, ?, ?, ?, ?)")) {
                del.setString(1, invoice.number());
                del.executeUpdate();
                ins.setString(1, invoice.number());
                ins.setString(2, invoice.issued().toString());
                ins.setString(3, invoice.customerId());
                ins.setString(4, invoice.customer());
                ins.setLong(5, invoice.totalCents());
                ins.setString(6, sourceFile);
                ins.setString(7, jobId);
                ins.executeUpdate();
                int position = 0;
                for (Invoice.Line l : invoice.lines()) {
                    line.setString(1, invoice.number());
                    line.setInt(2, ++position);
                    line.setString(3, l.sku());
                    line.setInt(4, l.quantity());
                    line.setLong(5, l.unitPriceCents());
                    line.addBatch();
                }
                line.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Invoices stored, and the sum of their totals in cents. */
    public long[] countAndTotal() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*), coalesce(sum(total_cents), 0) from invoices")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }
}
