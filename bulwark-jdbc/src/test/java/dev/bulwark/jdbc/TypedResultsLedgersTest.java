package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.bulwark.BatchResult;
import dev.bulwark.Bulwark;
import dev.bulwark.ContextualResultHandler;
import dev.bulwark.ItemResult;
import dev.bulwark.JobStatus;
import dev.bulwark.RunningBatch;
import dev.bulwark.SettableClock;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Typed handler results through the Java API on the durable ledgers: a run paused part-way, the
 * ledger closed and opened again, the batch resumed — the results of both runs read back typed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TypedResultsLedgersTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("results");
    @TempDir
    Path dir;
    private final SettableClock clock = new SettableClock();

    /** What sending one token produced. */
    record Receipt(String token, int attempt) {
    }

    private Ledger open(String kind) {
        return kind.equals("sqlite") ? SqliteLedger.open(dir.resolve("ledger.db")) : PostgresLedger.open(PG.url(null), null, null);
    }

    /** Returns a receipt; on {@code stopAt}, says so and waits for the engine to stop the attempt. */
    private static ContextualResultHandler<String, Receipt> sender(String stopAt, CountDownLatch reached) {
        return (token, ctx) -> {
            if (token.equals(stopAt)) {
                reached.countDown();
                CountDownLatch stopped = new CountDownLatch(1);
                ctx.attemptContext().onStop(stopped::countDown);
                stopped.await(20, TimeUnit.SECONDS);
                throw new InterruptedException("stopped");
            }
            return new Receipt(token, ctx.attempt());
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void typed_results_survive_a_pause_a_reopen_of_the_ledger_and_a_resume(String kind) throws Exception {
        CountDownLatch third = new CountDownLatch(1);
        UUID jobId;
        try (Ledger ledger = open(kind)) {
            RunningBatch running = Bulwark.strings(List.of("t1", "t2", "t3", "t4"))
                    .handlerWithContext(Receipt.class, sender("t3", third))
                    .ordered().ledger(ledger).clock(clock).start();
            assertThat(third.await(10, TimeUnit.SECONDS)).isTrue();
            running.pause("shutting down");
            BatchResult paused = running.await();
            assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
            assertThat(paused.results(Receipt.class)).extracting(ItemResult::key, ItemResult::value)
                    .containsExactly(tuple("t1", new Receipt("t1", 1)), tuple("t2", new Receipt("t2", 1)));
            jobId = running.jobId();
        }

        try (Ledger ledger = open(kind)) {
            BatchResult resumed = Bulwark.strings(List.of())
                    .handlerWithContext(Receipt.class, sender("none", new CountDownLatch(1)))
                    .ledger(ledger).clock(clock).resume(jobId);

            assertThat(resumed.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(resumed.results(Receipt.class)).extracting(ItemResult::seq, ItemResult::value).containsExactly(
                    tuple(1L, new Receipt("t1", 1)), tuple(2L, new Receipt("t2", 1)),
                    tuple(3L, new Receipt("t3", 2)), tuple(4L, new Receipt("t4", 1)));
            assertThat(resumed.result(3, Receipt.class)).contains(new Receipt("t3", 2));
        }
    }
}
