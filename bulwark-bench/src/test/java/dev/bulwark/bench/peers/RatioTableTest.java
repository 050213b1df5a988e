package dev.bulwark.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class RatioTableTest {

    private static PeerResult run(String runner, String store, double seconds) {
        return PeerResult.of("peers", runner, "1", store, "", 1_000, 2, seconds, 1_000);
    }

    @Test
    void each_round_of_a_peer_is_divided_into_the_same_round_of_bulwark_on_the_same_store() {
        RatioTable table = RatioTable.of(List.of(
                run("bulwark", "sqlite", 1.0), run("db-scheduler", "sqlite", 4.0), run("bulwark", "postgresql", 2.0),
                run("db-scheduler", "postgresql", 1.0),
                run("bulwark", "sqlite", 2.0), run("db-scheduler", "sqlite", 1.0),
                PeerResult.of("sweep", "bulwark", "1", "sqlite", "", 1_000, 64, 0.1, 1_000)));

        assertThat(table.rows()).extracting(RatioTable.Row::store, RatioTable.Row::runner).containsExactly(
                org.assertj.core.groups.Tuple.tuple("sqlite", "bulwark"), org.assertj.core.groups.Tuple.tuple("sqlite", "db-scheduler"),
                org.assertj.core.groups.Tuple.tuple("postgresql", "bulwark"), org.assertj.core.groups.Tuple.tuple("postgresql", "db-scheduler"));
        RatioTable.Row sqlite = table.rows().get(1);
        assertThat(sqlite.rates()).containsExactly(250.0, 1_000.0);
        assertThat(sqlite.ratios()).containsExactly(4.0, 0.5); // 1000/250, then 500/1000
        assertThat(table.rows().get(0).ratios()).isEmpty(); // the sweep is left out, and bulwark has no ratio to itself
        assertThat(table.rows().get(3).ratios()).containsExactly(0.5);
        assertThat(table.format()).contains("db-scheduler").contains("4.00 · 0.50").contains("1,000 · 500");
    }

    @Test
    void a_peer_without_bulwark_on_its_store_gets_no_ratio() {
        RatioTable table = RatioTable.of(List.of(run("spring-batch", "sqlite", 1.0)));
        assertThat(table.rows().getFirst().ratios()).isEmpty();
        assertThat(table.format()).contains("spring-batch").contains(" -");
    }

    @Test
    void median_of_odd_and_even_counts() {
        assertThat(RatioTable.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(RatioTable.median(List.of(4.0, 1.0, 2.0, 3.0))).isCloseTo(2.5, within(1e-9));
        assertThatThrownBy(() -> RatioTable.median(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
