package dev.bulwark.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.Durability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoopBenchTest {

    @TempDir
    Path dir;

    @Test
    void memoryStoreRunsEveryItem() {
        NoopBench.Result r = NoopBench.run(5_000, 8, "memory", null, null);

        assertThat(r.store()).isEqualTo("memory");
        assertThat(r.durability()).isEqualTo("none");
        assertThat(r.items()).isEqualTo(5_000);
        assertThat(r.concurrency()).isEqualTo(8);
        assertThat(r.succeeded()).isEqualTo(5_000);
        assertThat(r.seconds()).isPositive();
        assertThat(r.itemsPerSec()).isPositive();
        assertThat(r.peakHeapBytes()).isPositive();
    }

    @Test
    void manyFastItemsAllFinishInMemory() {
        // Fast no-op items keep every slot churning: the dispatcher must never take "no slot
        // free" for "nothing left" (a job once ended COMPLETED with most items still pending).
        for (int run = 0; run < 3; run++) {
            NoopBench.Result r = NoopBench.run(100_000, 64, "memory", null, null);
            assertThat(r.succeeded()).isEqualTo(100_000);
        }
    }

    @Test
    void sqliteStoreRunsEveryItemAndLeavesNoFile() throws IOException {
        NoopBench.Result r = NoopBench.run(3_001, 16, "sqlite", Durability.NORMAL, dir);

        assertThat(r.store()).isEqualTo("sqlite");
        assertThat(r.durability()).isEqualTo("normal");
        assertThat(r.items()).isEqualTo(3_001);
        assertThat(r.succeeded()).isEqualTo(3_001);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void sqliteFullDurabilitySequential() {
        NoopBench.Result r = NoopBench.run(200, 1, "SQLite", Durability.FULL, dir);

        assertThat(r.durability()).isEqualTo("full");
        assertThat(r.succeeded()).isEqualTo(200);
    }

    @Test
    void jsonHasTheDocumentedKeys() {
        NoopBench.Result r = new NoopBench.Result("sqlite", "normal", 1_000_000, 64, 12.5, 80_000, 100L * 1024 * 1024, 1_000_000);

        assertThat(r.toJson()).isEqualTo("{\"store\":\"sqlite\",\"durability\":\"normal\",\"items\":1000000,"
                + "\"concurrency\":64,\"seconds\":12.500,\"items_per_s\":80000,\"peak_heap_mb\":100.0,\"succeeded\":1000000}");
    }

    @Test
    void jsonNamesTheLedgerSizeWhenThereIsAFile() {
        NoopBench.Result r = new NoopBench.Result("sqlite", "normal", 10, 1, 1.0, 10, 1024 * 1024, 10, 3L * 1024 * 1024);

        assertThat(r.toJson()).endsWith(",\"succeeded\":10,\"ledger_mb\":3.0}");
    }

    @Test
    void itemsFromAFileAreRunOnePerLineAndTheLedgerSizeIsReported() throws IOException {
        Path items = dir.resolve("items.txt");
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 1_500; i++) {
            lines.append("line-").append(i).append(i % 500 == 0 ? "\n\n" : "\n");
        }
        Files.writeString(items, lines);
        Path ledgerDir = Files.createDirectory(dir.resolve("ledger"));

        NoopBench.Result r = NoopBench.runFromFile(items, 8, "sqlite", Durability.NORMAL, ledgerDir);

        assertThat(r.items()).as("empty lines are skipped").isEqualTo(1_500);
        assertThat(r.succeeded()).isEqualTo(1_500);
        assertThat(r.ledgerBytes()).isPositive();
        assertThat(NoopBench.runFromFile(items, 8, "memory", null, null).ledgerBytes()).isEqualTo(-1);
        try (Stream<Path> left = Files.list(ledgerDir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void anEmptyOrMissingItemsFileIsRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThatThrownBy(() -> NoopBench.runFromFile(empty, 1, "memory", null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("holds no item");
        assertThatThrownBy(() -> NoopBench.runFromFile(dir.resolve("missing.txt"), 1, "memory", null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("does not exist");
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> NoopBench.run(0, 1, "memory", null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("items");
        assertThatThrownBy(() -> NoopBench.run(10, 0, "memory", null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> NoopBench.run(10, 1, "postgres", null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("memory or sqlite");
        assertThatThrownBy(() -> NoopBench.run(10, 1, "sqlite", null, dir.resolve("missing")))
                .isInstanceOf(ValidationException.class).hasMessageContaining("does not exist");
    }
}
