package dev.bulwark.spring;

import dev.bulwark.JobConfig;
import dev.bulwark.Retry;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.Durability;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code bulwark.*} properties of a Spring Boot application.
 *
 * @param ledger          {@code sqlite} (default: a file under {@code home}) or {@code postgresql}
 *                        (the application's {@code DataSource}, shared by every instance)
 * @param home            the SQLite home: {@code HOME/ledger.db} and {@code HOME/logs/}, the same
 *                        layout as the {@code bulwark} command's {@code --home}
 * @param durability      SQLite {@code synchronous}: {@code normal} or {@code full} (survives power loss)
 * @param concurrency     default concurrency of the jobs {@link BulwarkJobs} runs
 * @param retries         default retries after a transient failure
 * @param retryDelay      default first retry delay (doubling, with jitter)
 * @param shutdownTimeout how long the application's shutdown waits for running jobs to pause
 */
@ConfigurationProperties("bulwark")
public record BulwarkProperties(
        @DefaultValue("sqlite") LedgerType ledger,
        @DefaultValue(".bulwark") Path home,
        @DefaultValue("normal") Durability durability,
        @DefaultValue("1") int concurrency,
        @DefaultValue("2") int retries,
        @DefaultValue("1s") Duration retryDelay,
        @DefaultValue("30s") Duration shutdownTimeout) {

    /** Where the ledger lives. */
    public enum LedgerType { SQLITE, POSTGRESQL }

    public BulwarkProperties {
        ValidationException.require(concurrency >= 1 && concurrency <= JobConfig.MAX_CONCURRENCY,
                "bulwark.concurrency must be between 1 and " + JobConfig.MAX_CONCURRENCY + ", but was " + concurrency);
        ValidationException.require(retries >= 0, "bulwark.retries must be 0 or more, but was " + retries);
        ValidationException.require(!retryDelay.isNegative(), "bulwark.retry-delay must not be negative, but was " + retryDelay);
        ValidationException.require(!shutdownTimeout.isNegative(),
                "bulwark.shutdown-timeout must not be negative, but was " + shutdownTimeout);
    }

    /** The job configuration these defaults describe. */
    public JobConfig jobConfig() {
        return JobConfig.builder().concurrency(concurrency)
                .retry(retries == 0 ? Retry.none() : Retry.exponential(retries, retryDelay))
                .build();
    }
}
