package dev.bulwark.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.AttemptResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.JobResult;
import dev.bulwark.JobStatus;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.PgTestDatabase;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.Ledger;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/** The starter in real Spring Boot application contexts: SQLite ledger, handler beans, metrics, health, shutdown. */
class BulwarkAutoConfigurationTest {
    /** Set by a test before it starts a context: the slow handler waits on it. */
    static volatile CountDownLatch slowStarted = new CountDownLatch(1);
    static final Set<String> flakyFailed = ConcurrentHashMap.newKeySet();

    @TempDir
    Path home;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        /** Fails each key's first attempt (transient), then succeeds. */
        @Bean
        ItemHandler flaky() {
            return attempt -> flakyFailed.add(attempt.item().key())
                    ? AttemptResult.failure(dev.bulwark.ErrorClass.TRANSIENT, "connect", "first try fails")
                    : AttemptResult.success();
        }

        /** Blocks on its first item until interrupted (a shutdown's pause). */
        @Bean
        ItemHandler slow() {
            return attempt -> {
                if (attempt.item().key().equals("slow-1") && attempt.attempt() == 1) {
                    slowStarted.countDown();
                    new CountDownLatch(1).await(60, TimeUnit.SECONDS);
                }
                return AttemptResult.success();
            };
        }
    }

    /** An application on SQLite: no DataSource (spring-boot-starter-jdbc is on the test class path for the PostgreSQL test). */
    private ConfigurableApplicationContext start(String... properties) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("bulwark.home=" + home, "bulwark.retry-delay=10ms",
                        "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
                .properties(properties)
                .run();
    }

    @Test
    void with_bulwark_ledger_postgresql_the_ledger_is_on_the_applications_data_source() {
        try (PgTestDatabase db = PgTestDatabase.create("spring");
             ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                     .properties("bulwark.ledger=postgresql", "spring.datasource.url=" + db.url(), "bulwark.retry-delay=10ms")
                     .run()) {
            assertThat(context.getBean(Ledger.class)).isInstanceOf(PostgresLedger.class);
            JobResult result = context.getBean(BulwarkJobs.class).run("flaky", "on postgresql", List.of("pg-1", "pg-2"));
            assertThat(result.job().status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(context.getBean(BulwarkHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        }
    }

    @Test
    void a_job_runs_with_a_handler_bean_on_the_sqlite_ledger_in_bulwark_home_with_metrics_and_health() {
        try (ConfigurableApplicationContext context = start("bulwark.concurrency=2")) {
            BulwarkJobs jobs = context.getBean(BulwarkJobs.class);
            assertThat(jobs.handlerNames()).containsExactly("flaky", "slow");

            JobResult result = jobs.run("flaky", "three keys", List.of("a", "b", "c"));

            assertThat(result.job().status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(Files.exists(home.resolve("ledger.db"))).isTrue();
            assertThat(context.getBean(Ledger.class)).isInstanceOf(SqliteLedger.class);
            assertThat(context.getBean(Ledger.class).counts(result.job().id()).retries()).isEqualTo(3);
            assertThat(result.job().config().concurrency()).isEqualTo(2);

            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("bulwark.items").tag("outcome", "succeeded").counter().count()).isEqualTo(3);
            assertThat(registry.get("bulwark.retries").counter().count()).isEqualTo(3);

            Health health = context.getBean(BulwarkHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("activeJobs", 0);

            assertThatThrownBy(() -> jobs.run("missing", "x", List.of("a")))
                    .isInstanceOf(ValidationException.class).hasMessageContaining("'missing'").hasMessageContaining("flaky, slow");
        }
    }

    @Test
    void closing_the_application_pauses_a_running_job_and_the_next_start_resumes_it() throws Exception {
        slowStarted = new CountDownLatch(1);
        BulwarkJobs.Submitted submitted;
        try (ConfigurableApplicationContext context = start("bulwark.shutdown-timeout=20s")) {
            submitted = context.getBean(BulwarkJobs.class).start("slow", "slow job", List.of("slow-1", "slow-2", "slow-3"));
            assertThat(slowStarted.await(20, TimeUnit.SECONDS)).isTrue();
        }
        JobResult paused = submitted.result().get(20, TimeUnit.SECONDS);
        assertThat(paused.job().status()).isEqualTo(JobStatus.PAUSED);

        try (ConfigurableApplicationContext context = start()) {
            JobResult resumed = context.getBean(BulwarkJobs.class).resume("slow", submitted.jobId());
            assertThat(resumed.job().status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(context.getBean(Ledger.class).counts(submitted.jobId()).succeeded()).isEqualTo(3);
        }
    }

    @Test
    void bulwark_ledger_postgresql_without_a_data_source_is_refused_at_startup_saying_what_to_set() {
        assertThatThrownBy(() -> start("bulwark.ledger=postgresql").close())
                .rootCause().hasMessageContaining("bulwark.ledger=postgresql needs the application's DataSource, and there is none")
                .hasMessageContaining("spring.datasource.url");
    }

    @Test
    void a_bad_property_is_refused_at_startup_naming_it() {
        assertThatThrownBy(() -> start("bulwark.concurrency=0").close())
                .rootCause().hasMessageContaining("bulwark.concurrency must be between 1 and");
    }

}
