package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.EngineEvent;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outputs: each item's own folder, recorded in the ledger, downloadable alone and as one ZIP, links and odd names never served. */
class OutputsTest extends ServerTest {
    String job;

    @BeforeEach
    void submitJob() {
        job = f.submitAndAwait(ACME, "{\"template\": \"produce\", \"items\": [\"alpha\", \"beta\"]}", "COMPLETED");
    }

    @Test
    void each_item_writes_into_its_own_folder_and_the_files_are_recorded_in_the_ledger() {
        JsonNode outputs = ServerFixture.json(f.get("/api/v1/jobs/" + job + "/items/2/outputs", ACME));

        assertThat(outputs.get("files")).extracting(n -> n.get("name").asText()).containsExactly("result.txt", "where.txt");
        assertThat(f.get("/api/v1/jobs/" + job + "/items/2/outputs/result.txt", ACME).body()).isEqualTo("out of beta\n");
        assertThat(f.get("/api/v1/jobs/" + job + "/items/1/outputs/where.txt", ACME).body())
                .isEqualTo(dir.resolve("outputs").toAbsolutePath() + "/" + job + "\n");
        List<EngineEvent.ItemOutputs> recorded = f.ledger.events(UUID.fromString(job), 1000).stream()
                .filter(e -> e instanceof EngineEvent.ItemOutputs).map(e -> (EngineEvent.ItemOutputs) e).toList();
        assertThat(recorded).hasSize(2);
        assertThat(recorded).flatExtracting(EngineEvent.ItemOutputs::files).extracting(EngineEvent.ItemOutputs.File::name)
                .contains("result.txt", "where.txt");
        assertThat(recorded).flatExtracting(EngineEvent.ItemOutputs::files).allSatisfy(file -> assertThat(file.sha256()).hasSize(64));
    }

    @Test
    void links_folders_and_hidden_files_are_not_outputs_and_names_cannot_climb_out() {
        for (String name : new String[] {"link.txt", "sub", ".hidden", "..%2F..%2Fsecret.txt", "%2e%2e", "..", "missing.txt"}) {
            HttpResponse<String> r = f.get("/api/v1/jobs/" + job + "/items/1/outputs/" + name, ACME);
            assertThat(r.statusCode()).as(name).isIn(400, 404);
            assertThat(r.body()).as(name).doesNotContain("outside the root");
        }
        assertThat(f.get("/api/v1/jobs/" + job + "/items/1/outputs/result.txt", OTHER).statusCode()).isEqualTo(404);
    }

    @Test
    void the_whole_job_downloads_as_one_zip_with_safe_entry_names() throws Exception {
        HttpResponse<byte[]> r = f.http.send(HttpRequest.newBuilder(f.uri("/api/v1/jobs/" + job + "/outputs.zip"))
                .header("Authorization", "Bearer " + ACME).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/zip");
        List<String> names = new ArrayList<>();
        String first = null;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(e.getName());
                if (first == null) {
                    first = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        assertThat(names).containsExactly("1/result.txt", "1/where.txt", "2/result.txt", "2/where.txt");
        assertThat(first).isEqualTo("out of alpha\n");
        assertThat(names).allSatisfy(n -> assertThat(n).doesNotContain("..").doesNotStartWith("/"));
    }

    @Test
    void a_job_without_outputs_says_so() {
        String plain = f.submitAndAwait(ACME, "{\"template\": \"echo\", \"items\": [\"x\"]}", "COMPLETED");

        HttpResponse<String> r = f.get("/api/v1/jobs/" + plain + "/outputs.zip", ACME);

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(ServerFixture.json(r).get("detail").asText()).contains("declares no outputs folder");
    }
}
