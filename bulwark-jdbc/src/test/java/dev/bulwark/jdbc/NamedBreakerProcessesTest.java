package dev.bulwark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.breaker.BreakerOpenException;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.BreakerStatus;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.NamedBreaker;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes share one named breaker through their ledger: another JVM trips it with direct
 * sync and async calls, and this one is refused (and the other way round after a reset), over a
 * real SQLite file (beside this process's writer) and a real PostgreSQL database.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NamedBreakerProcessesTest {
    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("named_breaker_processes");
    static final BreakerPolicy POLICY = BreakerPolicy.failures(3, Duration.ofSeconds(60));

    @TempDir
    Path dir;

    @Test
    void processes_share_one_breaker_over_sqlite() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(file)) {
            shareOneBreaker(ledger, "sqlite", file.toString());
        }
    }

    @Test
    void processes_share_one_breaker_over_postgresql() throws Exception {
        String url = PG.url(null);
        try (PostgresLedger ledger = PostgresLedger.open(url, null, null)) {
            shareOneBreaker(ledger, "postgresql", url);
        }
    }

    private void shareOneBreaker(Ledger ledger, String kind, String location) throws Exception {
        assertThat(other(kind, location, "trip")).contains("state OPEN");

        NamedBreaker m1 = NamedBreaker.builder("m1", POLICY).store(ledger.breakers()).build();
        AtomicInteger made = new AtomicInteger();
        assertThat(m1.state()).isEqualTo(State.OPEN);
        assertThatThrownBy(() -> m1.run(made::incrementAndGet)).isInstanceOf(BreakerOpenException.class);
        CompletableFuture<Integer> async = m1.callAsync(() -> CompletableFuture.completedFuture(made.incrementAndGet()));
        assertThatThrownBy(async::join).hasCauseInstanceOf(BreakerOpenException.class);
        assertThat(made).hasValue(0);

        assertThat(other(kind, location, "try")).contains("sync refused", "async refused");
        assertThat(m1.reset()).isTrue();
        assertThat(other(kind, location, "try")).contains("sync called", "async called");
        assertThat(ledger.breakers().events("m1", 10)).extracting(BreakerStatus::state).containsExactly(State.OPEN, State.CLOSED);
    }

    /** Runs {@link Caller} in another JVM; returns what it printed. */
    private static String other(String kind, String location, String action) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Caller.class.getName(), kind, location, action)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** The other process: {@code trip} fails three calls through {@code m1} (sync and async); {@code try} makes one of each. */
    public static final class Caller {
        public static void main(String[] args) throws Exception {
            try (Ledger ledger = args[0].equals("sqlite") ? SqliteLedger.openReadOnly(Path.of(args[1]))
                    : PostgresLedger.open(args[1], null, null)) {
                NamedBreaker m1 = NamedBreaker.builder("m1", POLICY).store(ledger.breakers()).build();
                if (args[2].equals("trip")) {
                    for (int i = 0; i < 2; i++) {
                        try {
                            m1.run(() -> {
                                throw new IllegalStateException("machine m1 does not answer");
                            });
                        } catch (IllegalStateException expected) {
                            // counted
                        }
                    }
                    m1.callAsync(() -> CompletableFuture.failedFuture(new IOException("connection refused")))
                            .exceptionally(e -> null).join();
                    System.out.println("state " + m1.state());
                } else {
                    try {
                        m1.run(() -> System.out.println("sync called"));
                    } catch (BreakerOpenException e) {
                        System.out.println("sync refused");
                    }
                    m1.callAsync(() -> CompletableFuture.runAsync(() -> System.out.println("async called")))
                            .exceptionally(e -> {
                                Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                                System.out.println(cause instanceof BreakerOpenException ? "async refused" : "async " + e);
                                return null;
                            }).join();
                }
            }
        }
    }
}
