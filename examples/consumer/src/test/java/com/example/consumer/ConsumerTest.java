package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.JobStatus;
import dev.bulwark.Retry;
import dev.bulwark.jdbc.SqliteLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bulwark from the published artifacts only: a batch with a retry, recorded in a SQLite ledger. */
class ConsumerTest {

    @TempDir
    Path dir;

    @Test
    void a_batch_with_a_flaky_item_completes_on_a_sqlite_ledger() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        try (SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"))) {
            BatchResult result = Bulwark.strings(List.of("a", "b", "flaky"))
                    .handler(key -> {
                        if (key.equals("flaky") && failedOnce.add(key)) {
                            throw new java.io.IOException("first attempt of " + key + " fails");
                        }
                    })
                    .retry(Retry.exponential(2, Duration.ofMillis(10)))
                    .ledger(ledger)
                    .run();
            assertEquals(JobStatus.COMPLETED, result.status(), result.toString());
            assertEquals(3, result.succeeded());
            assertEquals(1, result.retries());
        }
    }

    @Test
    void sqlite_users_get_no_postgresql_driver_and_no_connection_pool() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.postgresql.Driver"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.zaxxer.hikari.HikariDataSource"));
    }
}
