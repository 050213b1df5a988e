package dev.bulwark.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.PermanentException;
import dev.bulwark.examples.nodes.NodeToken;
import dev.bulwark.examples.xmlimport.Invoice;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xml.sax.SAXException;

/** The examples' own parts, quickly: the full scenarios run through examples/run-all.sh. */
class ExamplePartsTest {
    private static final Path INVOICES = Path.of("..", "examples", "xml-import", "invoices");

    @Test
    void normalises_tokens_and_rejects_bad_and_duplicate_lines_with_reasons() {
        NodeToken.Checked checked = NodeToken.check(List.of("# list", " 0163a", "162", "", "abc", "162 "));

        assertThat(checked.accepted()).containsExactly(new NodeToken("163A", "RPC", 2), new NodeToken("162", "FBC", 3));
        assertThat(checked.rejected()).extracting(NodeToken.Rejected::line, NodeToken.Rejected::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple(5, "not a token: 1 to 4 digits with an optional letter, like 162 or 163a"),
                org.assertj.core.groups.Tuple.tuple(6, "duplicate of line 3 (both are token 162)"));
    }

    @Test
    void a_ticket_weighed_with_an_expired_calibration_is_a_critical_error(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        dev.bulwark.examples.tickets.ScannedTickets.generate(dir, 41, 20, 50);

        assertThat(dev.bulwark.examples.tickets.Ticket.read(dir.resolve("ticket-0041.txt"), 1).number()).isEqualTo("T-24105-0041");
        assertThatThrownBy(() -> dev.bulwark.examples.tickets.Ticket.read(dir.resolve("ticket-0050.txt"), 1))
                .isInstanceOf(dev.bulwark.CriticalException.class)
                .hasMessageContaining("T-24105-0050 was weighed on a weighbridge whose calibration had expired");
    }

    @Test
    void a_simulated_machine_answers_refuses_and_drops_connections_until_it_is_back() throws Exception {
        try (var machine = new dev.bulwark.examples.machines.SimulatedMachine("db-02", java.time.Duration.ZERO,
                java.util.Set.of("patch-x"), 3)) {
            assertThat(ask(machine.port(), "RUN check-disk /")).startsWith("OK check-disk / on db-02");
            assertThat(ask(machine.port(), "RUN apply-patch patch-x")).isEqualTo("ERR 404 db-02 has no patch-x");
            assertThat(ask(machine.port(), "RUN check-disk /")).isNull(); // dropped
            machine.back();
            assertThat(ask(machine.port(), "RUN check-disk /")).startsWith("OK");
        }
    }

    private static String ask(int port, String line) throws java.io.IOException {
        try (var socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
        }
    }

    @Test
    void reads_a_good_invoice_and_classifies_the_broken_ones() throws Exception {
        Invoice good = Invoice.read(INVOICES.resolve("invoice-0003.xml"));
        assertThat(good.number()).isEqualTo("INV-2026-0003");
        assertThat(good.totalCents()).isEqualTo(6 * 899 + 5 * 14990 + 4 * 12000 + 9 * 12000);

        assertThatThrownBy(() -> Invoice.read(INVOICES.resolve("broken-truncated.xml"))).isInstanceOf(SAXException.class);
        assertThatThrownBy(() -> Invoice.read(INVOICES.resolve("broken-bad-quantity.xml")))
                .isInstanceOf(PermanentException.class)
                .hasMessage("line 1: quantity 'two' is not a positive whole number");
    }
}
