package dev.bulwark.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PeerResultTest {

    @Test
    void the_json_line_has_the_documented_fields_and_reads_back() throws Exception {
        PeerResult r = PeerResult.of("peers", "db-scheduler", "16.7.1", "sqlite", "wal/synchronous=2", 5_000, 2, 2.5, 5_000);

        JsonNode line = new ObjectMapper().readTree(r.toJson());
        assertThat(line.get("runner").asText()).isEqualTo("db-scheduler");
        assertThat(line.get("store").asText()).isEqualTo("sqlite");
        assertThat(line.get("items").asLong()).isEqualTo(5_000);
        assertThat(line.get("threads").asInt()).isEqualTo(2);
        assertThat(line.get("seconds").asDouble()).isEqualTo(2.5);
        assertThat(line.get("items_per_s").asLong()).isEqualTo(2_000);

        PeerResult back = PeerResult.parse(r.toJson());
        assertThat(back).isEqualTo(r);
        assertThat(back.complete()).isTrue();
    }

    @Test
    void a_run_that_lost_items_is_not_complete() {
        PeerResult r = PeerResult.parse("{\"runner\":\"jobrunr\",\"store\":\"postgresql\",\"items\":100,\"threads\":2,"
                + "\"seconds\":1.0,\"done\":99}");
        assertThat(r.complete()).isFalse();
        assertThat(r.phase()).isEqualTo("peers");
        assertThat(r.itemsPerS()).isEqualTo(100.0);
    }

    @Test
    void lines_that_are_not_results_are_refused_with_the_line_in_the_message() {
        assertThatThrownBy(() -> PeerResult.parse("Starting scheduler"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Starting scheduler'");
        assertThatThrownBy(() -> PeerResult.parse("{\"runner\":\"bulwark\",\"store\":\"sqlite\",\"items\":10,\"threads\":2}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no field seconds");
        assertThatThrownBy(() -> PeerResult.parse("{\"runner\":\"bulwark\",\"store\":\"sqlite\",\"items\":10,\"threads\":2,\"seconds\":0}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seconds 0.0");
    }
}
