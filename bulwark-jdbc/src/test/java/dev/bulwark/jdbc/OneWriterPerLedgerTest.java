package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.JobStatus;
import dev.bulwark.RunningBatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One writer per SQLite ledger file, enforced by the ledger itself, across two real JVMs. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OneWriterPerLedgerTest {
    @TempDir
    Path dir;

    private static final List<String> KEYS = IntStream.rangeClosed(1, 6).mapToObj(i -> "k" + i).toList();

    /** The second JVM: runs a batch on the ledger, says so, and blocks in its handler until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            SqliteLedger ledger = SqliteLedger.open(Path.of(args[0]));
            RunningBatch running = Bulwark.strings(KEYS).handler(key -> {
                System.out.println("running " + key);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE); // held until the test kills this process
            }).ledger(ledger).start();
            System.out.println("job " + running.jobId());
            System.out.flush();
            running.await();
        }
    }

    @Test
    void a_second_process_cannot_open_a_ledger_for_writing_while_another_writes_it_and_can_once_it_died() throws Exception {
        Path file = dir.resolve("ledger.db");
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Holder.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        UUID jobId;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line;
            UUID seen = null;
            boolean running = false;
            while ((seen == null || !running) && (line = out.readLine()) != null) {
                if (line.startsWith("job ")) {
                    seen = UUID.fromString(line.substring(4));
                } else if (line.startsWith("running ")) {
                    running = true;
                }
            }
            assertThat(seen).as("the holder process started its batch").isNotNull();
            jobId = seen;

            assertThatThrownBy(() -> SqliteLedger.open(file))
                    .isInstanceOfSatisfying(LedgerBusyException.class, e -> {
                        assertThat(e.ledgerFile()).isEqualTo(file.toAbsolutePath().normalize());
                        assertThat(e.holder()).hasValueSatisfying(h -> assertThat(h).contains("process " + holder.pid()));
                    })
                    .hasMessageContaining(file.toAbsolutePath().normalize().toString())
                    .hasMessageContaining("process " + holder.pid());

            try (SqliteLedger reader = SqliteLedger.openReadOnly(file)) {
                assertThat(reader.findJob(jobId).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
            }
        } finally {
            holder.destroyForcibly();
            holder.waitFor();
        }

        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            BatchResult rest = Bulwark.strings(List.of()).handler(key -> { }).ledger(ledger).resume(jobId);
            assertThat(rest.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(rest.succeeded()).isEqualTo(KEYS.size());
        }
    }

    @Test
    void a_second_open_ledger_in_the_same_process_is_refused_until_the_first_is_closed() {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger first = SqliteLedger.open(file)) {
            assertThatThrownBy(() -> SqliteLedger.open(file)).isInstanceOf(LedgerBusyException.class)
                    .hasMessageContaining("one writer per ledger file");
            try (SqliteLedger reader = SqliteLedger.openReadOnly(file)) {
                assertThat(reader.isReadOnly()).isTrue();
            }
        }
        try (SqliteLedger again = SqliteLedger.open(file)) {
            assertThat(again.isReadOnly()).isFalse();
        }
    }

    @Test
    void a_lock_held_by_the_caller_outlives_the_ledger_it_opened() {
        Path file = dir.resolve("ledger.db");
        try (LedgerLock lock = LedgerLock.tryAcquire(file).orElseThrow()) {
            SqliteLedger.open(file, Durability.NORMAL, lock).close();
            assertThat(lock.isHeld()).isTrue();
            assertThatThrownBy(() -> SqliteLedger.open(file)).isInstanceOf(LedgerBusyException.class);
        }
        SqliteLedger.open(file).close();
    }
}
