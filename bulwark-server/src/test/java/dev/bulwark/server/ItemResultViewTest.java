package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.AttemptResult;
import dev.bulwark.Engine;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The REST item views show the result a Java handler stored with a succeeded item, as stored. */
class ItemResultViewTest extends ServerTest {

    /** A job of tenant acme, as the service would list it, run by a Java handler on the server's own ledger. */
    private UUID jobWithAResult() {
        JobConfig config = JobConfig.builder().input("template", "java").input("type", "api").build();
        try (Engine engine = Engine.builder().ledger(f.ledger).build()) {
            Job job = engine.submit("typed", "acme", 1, config,
                    List.of(new Engine.ItemSpec("a", null, null), new Engine.ItemSpec("b", null, null)).iterator());
            engine.run(job.id(), attempt -> attempt.key().equals("a")
                    ? AttemptResult.success().withResult("{\"id\":7}") : AttemptResult.success());
            return job.id();
        }
    }

    @Test
    void the_item_list_and_the_item_detail_carry_the_stored_result() {
        UUID id = jobWithAResult();

        JsonNode items = ServerFixture.json(f.get("/api/v1/jobs/" + id + "/items", ACME)).get("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).get("result").asText()).isEqualTo("{\"id\":7}");
        assertThat(items.get(1).get("result").isNull()).isTrue();
        JsonNode item = ServerFixture.json(f.get("/api/v1/jobs/" + id + "/items/1", ACME)).get("item");
        assertThat(item.get("result").asText()).isEqualTo("{\"id\":7}");
    }
}
