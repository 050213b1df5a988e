package dev.bulwark.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class PeerChartTest {

    @Test
    void the_chart_is_well_formed_svg_with_a_bar_per_runner_and_a_line_per_durability() throws Exception {
        List<PeerResult> results = List.of(
                PeerResult.of("peers", "bulwark", "1", "sqlite", "", 1_000, 2, 1.0, 1_000),
                PeerResult.of("peers", "bulwark", "1", "sqlite", "", 1_000, 2, 0.5, 1_000),
                PeerResult.of("peers", "db-scheduler", "1", "sqlite", "", 1_000, 2, 4.0, 1_000),
                PeerResult.of("sweep", "bulwark", "1", "sqlite", "wal/synchronous=FULL", 1_000, 1, 2.0, 1_000),
                PeerResult.of("sweep", "bulwark", "1", "sqlite", "wal/synchronous=FULL", 1_000, 64, 0.25, 1_000),
                PeerResult.of("sweep", "bulwark", "1", "sqlite", "wal/synchronous=NORMAL", 1_000, 64, 0.1, 1_000));

        String svg = PeerChart.svg(results, "1,000 items <&> 2 threads");

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        // one bar per runner and store, plus the background
        assertThat(doc.getElementsByTagName("rect").getLength()).isEqualTo(1 + 2 + 2); // + the two legend swatches
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        assertThat(svg).contains("bulwark · sqlite").contains("db-scheduler · sqlite")
                .contains(">1,500<") // bulwark's median of 1,000 and 2,000 items/s
                .contains("wal/synchronous=NORMAL").contains("&lt;&amp;&gt;");
    }

    @Test
    void without_runs_the_panels_say_so() {
        String svg = PeerChart.svg(List.of(), "nothing");
        assertThat(svg).contains("no side-by-side runs").contains("no sweep runs").endsWith("</svg>\n");
    }
}
