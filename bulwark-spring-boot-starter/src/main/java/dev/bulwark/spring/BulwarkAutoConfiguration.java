package dev.bulwark.spring;

import dev.bulwark.Engine;
import dev.bulwark.ItemHandler;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.PostgresLedger;
import dev.bulwark.jdbc.SqliteLedger;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.metrics.BulwarkMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.sql.DataSource;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Bulwark engine, its ledger, {@link BulwarkJobs} over the application's {@link ItemHandler}
 * beans, engine metrics (a {@code MeterBinder} bean that Spring Boot binds to its registry), a
 * health indicator and graceful shutdown. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@EnableConfigurationProperties(BulwarkProperties.class)
public class BulwarkAutoConfiguration {

    /** {@code bulwark.ledger=sqlite} (the default): {@code bulwark.home}/ledger.db. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Ledger.class)
    @ConditionalOnProperty(name = "bulwark.ledger", havingValue = "sqlite", matchIfMissing = true)
    public Ledger bulwarkSqliteLedger(BulwarkProperties properties) {
        try {
            Files.createDirectories(properties.home());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bulwark.home=" + properties.home(), e);
        }
        return SqliteLedger.open(properties.home().resolve("ledger.db"), properties.durability());
    }

    /** {@code bulwark.ledger=postgresql}: the shared ledger on the application's DataSource. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Ledger.class)
    @ConditionalOnProperty(name = "bulwark.ledger", havingValue = "postgresql")
    public Ledger bulwarkPostgresLedger(ObjectProvider<DataSource> dataSource) {
        DataSource chosen = dataSource.getIfUnique();
        if (chosen == null) {
            throw new ValidationException("bulwark.ledger=postgresql needs the application's DataSource, and there is "
                    + (dataSource.stream().findAny().isPresent() ? "more than one" : "none")
                    + ": set spring.datasource.url (with spring-boot-starter-jdbc), mark one DataSource @Primary, "
                    + "or define a Ledger bean");
        }
        return PostgresLedger.open(chosen, "the application's DataSource");
    }

    /** Engine meters; Spring Boot binds every {@code MeterBinder} bean to its meter registry. */
    @Bean
    @ConditionalOnMissingBean
    public BulwarkMetrics bulwarkMetrics() {
        return new BulwarkMetrics();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Engine bulwarkEngine(Ledger ledger, BulwarkProperties properties, ObjectProvider<BulwarkMetrics> metrics) {
        Engine.Builder builder = Engine.builder().ledger(ledger);
        if (properties.ledger() == BulwarkProperties.LedgerType.SQLITE) {
            builder.logDirectory(properties.home().resolve("logs"));
        }
        metrics.ifAvailable(builder::listener);
        return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public BulwarkJobs bulwarkJobs(Engine engine, ListableBeanFactory beans, BulwarkProperties properties) {
        // Every ItemHandler bean by its name (none is fine: the application may add jobs later).
        return new BulwarkJobs(engine, beans.getBeansOfType(ItemHandler.class), properties.jobConfig());
    }

    @Bean
    BulwarkShutdown bulwarkShutdown(Engine engine, BulwarkProperties properties) {
        return new BulwarkShutdown(engine, properties);
    }

    /** Only when the application has Actuator's health support on its class path. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "bulwarkHealthIndicator")
        BulwarkHealthIndicator bulwarkHealthIndicator(Ledger ledger, Engine engine) {
            return new BulwarkHealthIndicator(ledger, engine);
        }
    }
}
