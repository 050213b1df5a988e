package dev.bulwark.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PeersOptionsTest {

    @Test
    void defaults_and_given_values() {
        PeersMain.Options o = PeersMain.Options.parse();
        assertThat(o.items).isEqualTo(20_000);
        assertThat(o.threads).isEqualTo(2);
        assertThat(o.runners).containsExactly("bulwark", "db-scheduler", "jobrunr", "spring-batch");
        assertThat(o.stores).containsExactly("sqlite");
        assertThat(o.sweepItems).isEqualTo(20_000);

        o = PeersMain.Options.parse("--items", "3000", "--runners", "bulwark, jobrunr", "--stores", "sqlite,postgresql",
                "--sweep", "1,2,64", "--runs", "3");
        assertThat(o.items).isEqualTo(3_000);
        assertThat(o.runners).containsExactly("bulwark", "jobrunr");
        assertThat(o.stores).containsExactly("sqlite", "postgresql");
        assertThat(o.sweep).isEqualTo(List.of(1, 2, 64));
        assertThat(o.sweepItems).isEqualTo(3_000);
        assertThat(o.runs).isEqualTo(3);
    }

    @Test
    void from_reads_an_earlier_run_and_the_title_counts_its_rounds() {
        assertThat(PeersMain.Options.parse("--from", "target/peers.jsonl").from).hasToString("target/peers.jsonl");
        PeerResult a = PeerResult.of("peers", "bulwark", "1", "sqlite", "", 5_000, 2, 1.0, 5_000);
        PeerResult b = PeerResult.of("peers", "db-scheduler", "1", "sqlite", "", 5_000, 2, 9.0, 5_000);
        PeerResult sweep = PeerResult.of("sweep", "bulwark", "1", "sqlite", "", 20_000, 64, 1.0, 20_000);
        assertThat(PeersMain.title(List.of(a, b, a, b, sweep))).isEqualTo("5,000 no-op items, 2 threads, 2 round(s)");
        assertThat(PeersMain.title(List.of(sweep))).isEqualTo("no side-by-side runs");
    }

    @Test
    void bad_values_are_named_with_what_is_expected() {
        assertThatThrownBy(() -> PeersMain.Options.parse("--items", "lots"))
                .hasMessage("--items must be a whole number from 1 to 100000000, but was 'lots'");
        assertThatThrownBy(() -> PeersMain.Options.parse("--threads", "0"))
                .hasMessage("--threads must be from 1 to 1024, but was 0");
        assertThatThrownBy(() -> PeersMain.Options.parse("--runners", "bulwark,quartz"))
                .hasMessage("--runners takes bulwark, db-scheduler, jobrunr, spring-batch, but was 'quartz'");
        assertThatThrownBy(() -> PeersMain.Options.parse("--stores", "mysql"))
                .hasMessage("--stores takes sqlite, postgresql, but was 'mysql'");
        assertThatThrownBy(() -> PeersMain.Options.parse("--postgres", "mysql://x/y"))
                .hasMessageContaining("but was 'mysql://x/y'");
        assertThatThrownBy(() -> PeersMain.Options.parse("--items")).hasMessage("--items needs a value");
        assertThatThrownBy(() -> PeersMain.Options.parse("--colour", "red")).hasMessageStartingWith("unknown option --colour");
        assertThatThrownBy(() -> PeersMain.Options.parse("items")).hasMessageContaining("'items'");
    }
}
