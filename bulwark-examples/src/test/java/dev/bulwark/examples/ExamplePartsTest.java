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
