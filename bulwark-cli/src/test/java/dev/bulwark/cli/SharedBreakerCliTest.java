package dev.bulwark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobStatus;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.JobQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Shared breakers ({@code --breaker-shared}) and breakers reset by hand only
 * ({@code --breaker-open manual}) from the command line, with real commands on the home's SQLite
 * ledger: what the commands print and what the ledger holds.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SharedBreakerCliTest extends InProcessCli {

    /** A shell script that records each call in {@code calls} and fails the items of m1 unless the file {@code up} exists. */
    private String script() {
        return "echo \"$1\" >> '" + tmp.resolve("calls") + "'; case \"$1\" in m1/*) test -e '" + tmp.resolve("up") + "';; esac";
    }

    private List<String> calls() throws IOException {
        Path calls = tmp.resolve("calls");
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private Path items(String name, String... keys) throws IOException {
        return Files.write(tmp.resolve(name), List.of(keys));
    }

    private List<Job> jobs() {
        try (SqliteLedger ledger = SqliteLedger.openReadOnly(home.resolve("ledger.db"))) {
            return ledger.listJobs(JobQuery.all()).stream().sorted(java.util.Comparator.comparing(Job::createdAt)).toList();
        }
    }

    private List<Item> itemsOf(UUID job) {
        try (SqliteLedger ledger = SqliteLedger.openReadOnly(home.resolve("ledger.db"))) {
            return ledger.items(job, ItemQuery.all(100));
        }
    }

    @Test
    void a_breaker_one_job_opened_stops_the_calls_of_the_next_job_until_it_is_reset_by_name() throws IOException {
        Path a = items("a.txt", "m1/1", "m1/2", "m1/3", "m1/4");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--concurrency", "1", "--retries", "0",
                "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--breaker-shared", "--on-open", "halt",
                "--shell", "--", script())).as(err.toString()).isEqualTo(ExitCodes.FAILED);
        UUID jobA = jobs().get(0).id();
        assertThat(calls()).containsExactly("m1/1", "m1/2", "m1/3");

        Path b = items("b.txt", "m1/a", "m2/a", "m1/b", "m2/b");
        assertThat(bulwark("run", "--home", home.toString(), "--items", b.toString(), "--concurrency", "1", "--retries", "0",
                "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--breaker-shared", "--on-open", "fail",
                "--shell", "--", script())).as(err.toString()).isEqualTo(ExitCodes.PARTIAL);
        UUID jobB = jobs().get(1).id();
        assertThat(calls()).as("job B made no call to m1").containsExactly("m1/1", "m1/2", "m1/3", "m2/a", "m2/b");
        assertThat(itemsOf(jobB)).filteredOn(i -> i.scope().equals("m1"))
                .allMatch(i -> i.status() == ItemStatus.FAILED && "breaker-open".equals(i.category()) && i.attempts() == 0)
                .hasSize(2);

        assertThat(bulwark("breaker", "list", "--home", home.toString())).isZero();
        assertThat(out.toString()).contains("SHARED BREAKER").containsPattern("m1\\s+OPEN\\s+\\S+\\s+\\S+\\s+" + jobA.toString().substring(0, 8))
                .contains("3 consecutive failures");
        assertThat(bulwark("breaker", "list", "--home", home.toString(), "--json")).isZero();
        assertThat(out.toString()).contains("\"shared\":true", "\"name\":\"m1\"", "\"state\":\"OPEN\"");

        assertThat(bulwark("status", "--home", home.toString(), jobA.toString())).isZero();
        assertThat(out.toString()).contains("OPEN m1 until").contains("scope {//}, shared (the ledger's breakers)");
        assertThat(bulwark("breaker", "reset", "--home", home.toString(), "m1")).isZero();
        assertThat(out.toString()).contains("shared breaker m1 reset for every job and process");
        assertThat(bulwark("status", "--home", home.toString(), jobA.toString())).isZero();
        assertThat(out.toString()).as("the reset by name shows in the job's status").doesNotContain("OPEN m1");
        assertThat(bulwark("breaker", "reset", "--home", home.toString(), "m1")).isZero();
        assertThat(out.toString()).contains("is not open: nothing to reset");

        Files.writeString(tmp.resolve("up"), "");
        assertThat(bulwark("retry-failed", "--home", home.toString(), jobB.toString())).as(err.toString()).isEqualTo(ExitCodes.COMPLETED);
        assertThat(calls()).endsWith("m1/a", "m1/b");
        assertThat(jobs().get(1).status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void a_shared_breaker_can_be_opened_by_hand_for_maintenance_and_a_job_then_makes_no_call_to_it() throws IOException {
        assertThat(bulwark("breaker", "open", "--home", home.toString(), "m2")).isEqualTo(ExitCodes.USAGE);
        Files.writeString(tmp.resolve("up"), "");
        Path b = items("b.txt", "m1/a", "m2/a");
        assertThat(bulwark("run", "--home", home.toString(), "--items", b.toString(), "--concurrency", "1",
                "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--breaker-shared", "--on-open", "fail",
                "--shell", "--", script())).isEqualTo(ExitCodes.COMPLETED);

        assertThat(bulwark("breaker", "open", "--home", home.toString(), "--reason", "disk swap", "m2")).isZero();
        assertThat(out.toString()).contains("shared breaker m2 open until reset");
        Path c = items("c.txt", "m1/b", "m2/b");
        assertThat(bulwark("run", "--home", home.toString(), "--items", c.toString(), "--concurrency", "1",
                "--breaker", "consecutive=3", "--breaker-scope", "{//}", "--breaker-shared", "--on-open", "fail",
                "--shell", "--", script())).isEqualTo(ExitCodes.PARTIAL);
        assertThat(calls()).containsExactly("m1/a", "m2/a", "m1/b");
        assertThat(bulwark("breaker", "list", "--home", home.toString())).isZero();
        assertThat(out.toString()).containsPattern("m2\\s+OPEN\\s+\\S+\\s+reset\\s+").contains("disk swap");
    }

    @Test
    void a_manual_breaker_keeps_resume_from_making_attempts_until_it_is_reset() throws IOException {
        Path a = items("a.txt", "m1/1", "m1/2", "m1/3", "m1/4");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--concurrency", "1", "--retries", "0",
                "--breaker", "consecutive=2", "--breaker-open", "manual", "--on-open", "halt",
                "--shell", "--", script())).isEqualTo(ExitCodes.FAILED);
        UUID job = jobs().get(0).id();
        assertThat(calls()).hasSize(2);

        assertThat(bulwark("status", "--home", home.toString(), job.toString())).isZero();
        assertThat(out.toString()).contains("open until reset").contains("OPEN * until reset");
        assertThat(out.toString()).doesNotContain("counts"); // the default classes
        assertThat(bulwark("breaker", "list", "--home", home.toString(), job.toString())).isZero();
        assertThat(out.toString()).contains("until reset");

        assertThat(bulwark("resume", "--home", home.toString(), job.toString())).isEqualTo(ExitCodes.FAILED);
        assertThat(calls()).as("no attempt while the breaker waits for its reset").hasSize(2);
        assertThat(err.toString()).contains("open until reset");

        assertThat(bulwark("breaker", "reset", "--home", home.toString(), job.toString(), "*")).isZero();
        Files.writeString(tmp.resolve("up"), "");
        assertThat(bulwark("resume", "--home", home.toString(), job.toString())).isEqualTo(ExitCodes.PARTIAL);
        assertThat(calls()).hasSize(4);
    }

    @Test
    void bad_shared_and_count_options_are_refused_naming_the_value() throws IOException {
        Path a = items("a.txt", "m1/1");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--breaker-shared", "--", "true"))
                .isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--breaker-shared").contains("go with --breaker SPEC");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--breaker", "consecutive=3",
                "--breaker-count", "critical,timeout,exit:75", "--", "true")).isEqualTo(ExitCodes.COMPLETED);
        assertThat(bulwark("status", "--home", home.toString(), jobs().get(0).id().toString())).isZero();
        assertThat(out.toString()).contains("counts critical,exit:75,timeout");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--breaker", "consecutive=3",
                "--breaker-count", "timeout,exit 75", "--", "true")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--breaker-count entry 'exit 75' is neither an error class");
        assertThat(bulwark("run", "--home", home.toString(), "--items", a.toString(), "--breaker", "consecutive=3",
                "--breaker-open", "by-hand", "--", "true")).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--breaker-open must look like 60s, 30s,grow=2,max=10m or manual, but was 'by-hand'");
    }
}
