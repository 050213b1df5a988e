package dev.bulwark.exec.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first attempts of a job start together, each opening its log in the job's folder that none has made yet. */
class ItemLogConcurrencyTest {
    private static final int ATTEMPTS = 16;

    @Test
    void attempts_that_open_their_logs_at_once_in_a_missing_folder_all_get_their_log(@TempDir Path home) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(ATTEMPTS);
        try {
            for (int round = 0; round < 25; round++) {
                Path folder = home.resolve("logs").resolve("job-" + round);
                CyclicBarrier start = new CyclicBarrier(ATTEMPTS);
                List<Future<Path>> opened = new ArrayList<>();
                for (int seq = 1; seq <= ATTEMPTS; seq++) {
                    Path file = folder.resolve(seq + ".log");
                    opened.add(pool.submit(() -> {
                        start.await();
                        try (ItemLog log = ItemLog.begin(file, "header\n")) {
                            return log.file();
                        }
                    }));
                }
                for (Future<Path> f : opened) {
                    assertThat(Files.readString(f.get())).isEqualTo("header\n");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
