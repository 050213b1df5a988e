package com.example.imports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bulwark.JobStatus;
import dev.bulwark.ledger.JobQuery;
import dev.bulwark.ledger.Ledger;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The application started for real on a folder of three files, one of them empty. */
class ImportApplicationTest {

    @TempDir
    Path dir;

    @Test
    void the_inbox_is_checksummed_and_the_empty_file_is_set_aside() throws Exception {
        Path inbox = Files.createDirectory(dir.resolve("inbox"));
        Files.writeString(inbox.resolve("a.txt"), "alpha");
        Files.writeString(inbox.resolve("b.txt"), "beta");
        Files.writeString(inbox.resolve("empty.txt"), "");

        try (ConfigurableApplicationContext app = SpringApplication.run(ImportApplication.class,
                "--inbox=" + inbox, "--bulwark.home=" + dir.resolve("home"), "--spring.main.web-application-type=none")) {
            assertThat(Files.readString(dir.resolve("inbox.sha256").resolve("a.txt.sha256")))
                    .startsWith("8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8");
            assertThat(dir.resolve("inbox.sha256").resolve("empty.txt.sha256")).doesNotExist();
            var job = app.getBean(Ledger.class).listJobs(new JobQuery(null, 10)).getFirst();
            assertThat(job.status()).isEqualTo(JobStatus.PARTIAL);
            assertThat(app.getBean(MeterRegistry.class).get("bulwark.items").tag("outcome", "succeeded").counter().count())
                    .isEqualTo(2);
        }
    }
}
