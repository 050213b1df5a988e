package com.example.imports;

import dev.bulwark.AttemptResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.JobResult;
import dev.bulwark.PermanentException;
import dev.bulwark.spring.BulwarkJobs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * Checksums every file of {@code --inbox=DIR} into {@code DIR.sha256/}, through Bulwark: retries,
 * a durable ledger, metrics and health from the starter. An empty file is a permanent failure.
 *
 * <pre>mvn spring-boot:run -Dspring-boot.run.arguments=--inbox=/path/to/files</pre>
 */
@SpringBootApplication
public class ImportApplication {

    public static void main(String[] args) {
        System.exit(SpringApplication.exit(SpringApplication.run(ImportApplication.class, args)));
    }

    /** One item: a file's SHA-256, written beside the inbox. The bean name is the handler's name. */
    @Bean
    ItemHandler checksum() {
        return attempt -> {
            Path file = Path.of(attempt.item().key());
            byte[] content = Files.readAllBytes(file);
            if (content.length == 0) {
                throw new PermanentException("empty", "empty file: " + file);
            }
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            Path out = file.getParent().resolveSibling(file.getParent().getFileName() + ".sha256");
            Files.createDirectories(out);
            Files.writeString(out.resolve(file.getFileName() + ".sha256"), hex + "  " + file.getFileName() + "\n");
            return AttemptResult.success();
        };
    }

    @Bean
    ApplicationRunner importInbox(BulwarkJobs jobs) {
        return args -> {
            List<String> inbox = args.getOptionValues("inbox");
            if (inbox == null || inbox.isEmpty()) {
                return; // nothing asked: the application serves /actuator only
            }
            List<String> files;
            try (Stream<Path> listing = Files.list(Path.of(inbox.getFirst()))) {
                files = listing.filter(Files::isRegularFile).map(Path::toString).sorted().toList();
            } catch (IOException e) {
                throw new IllegalArgumentException("--inbox=" + inbox.getFirst() + " is not a readable directory", e);
            }
            JobResult result = jobs.run("checksum", "inbox " + inbox.getFirst(), files);
            System.out.printf("%s: %d succeeded, %d failed of %d%n", result.job().status(),
                    result.counts().succeeded(), result.counts().failed(), result.counts().total());
        };
    }
}
