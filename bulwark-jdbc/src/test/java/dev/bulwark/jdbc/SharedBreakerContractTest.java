package dev.bulwark.jdbc;

import dev.bulwark.Attempt;
import dev.bulwark.AttemptOutcome;
import dev.bulwark.ErrorClass;
import dev.bulwark.Job;
import dev.bulwark.JobConfig;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerContract;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.CircuitBreaker.State;
import dev.bulwark.breaker.CircuitBreaker.Transition;
import dev.bulwark.jdbc.internal.PgBreakers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The breaker contract on the breakers the PostgreSQL ledger shares between workers: each outcome
 * is recorded into the breaker's row in a transaction of its own, as a worker records it with its
 * attempt, at the contract's times rather than the database's clock.
 */
class SharedBreakerContractTest extends BreakerContract {
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    @RegisterExtension
    static final PgSchemaExtension PG = new PgSchemaExtension("breaker_contract");

    @Override
    protected Breaker newBreaker(BreakerPolicy policy) {
        PostgresLedger ledger = PG.closeAfter(PostgresLedger.open(PG.url(null), null, null));
        Job job = Job.newJob(UUID.randomUUID(), "breaker contract", JobConfig.builder().build(), T0);
        ledger.createJob(job);
        BreakerConfig config = BreakerConfig.of(policy);
        return new Breaker() {
            private int number;

            @Override
            public Optional<Transition> succeed(Instant at, Duration took) {
                return record(at, AttemptOutcome.SUCCEEDED, null, null, took);
            }

            @Override
            public Optional<Transition> fail(Instant at, ErrorClass errorClass, String reason) {
                return record(at, AttemptOutcome.FAILED, errorClass, reason, Duration.ofMillis(5));
            }

            @Override
            public Optional<Trial> trial(Instant at) {
                // As a claim takes a trial: the breaker's due trials, then the claim's fence as one of them.
                long fence = 1_000 + number;
                Optional<Transition> transition = inTransaction(c -> {
                    List<PgBreakers.Due> due = PgBreakers.dueTrials(c, jobPk(c), at);
                    if (due.isEmpty()) {
                        return null;
                    }
                    return PgBreakers.tookTrials(c, jobPk(c), job.id(), due.get(0), List.of(fence));
                });
                if (transition == null) {
                    return Optional.empty();
                }
                return Optional.of(new Trial() {
                    @Override
                    public Optional<Transition> transition() {
                        return transition;
                    }

                    @Override
                    public Optional<Transition> succeed(Instant when, Duration took) {
                        return record(when, AttemptOutcome.SUCCEEDED, null, null, took, fence);
                    }

                    @Override
                    public Optional<Transition> fail(Instant when, ErrorClass errorClass, String reason) {
                        return record(when, AttemptOutcome.FAILED, errorClass, reason, Duration.ofMillis(5), fence);
                    }
                });
            }

            private Optional<Transition> record(Instant at, AttemptOutcome outcome, ErrorClass errorClass, String category,
                                                Duration took) {
                return record(at, outcome, errorClass, category, took, 0);
            }

            private Optional<Transition> record(Instant at, AttemptOutcome outcome, ErrorClass errorClass, String category,
                                                Duration took, long fence) {
                Attempt attempt = new Attempt(job.id(), 1, ++number, at.minus(took), at, outcome, errorClass, category, null,
                        null, took.toMillis(), "contract", null);
                return inTransaction(c -> PgBreakers.record(c, jobPk(c), "host-a", config, attempt, fence, at));
            }

            private <T> T inTransaction(Work<T> work) {
                try (Connection c = PG.db().connect(PG.schema())) {
                    c.setAutoCommit(false);
                    T result = work.run(c);
                    c.commit();
                    return result;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public State state() {
                try (Connection c = PG.db().connect(PG.schema());
                     PreparedStatement ps = c.prepareStatement("SELECT state FROM breakers WHERE job_pk = ? AND scope = 'host-a'")) {
                    ps.setLong(1, jobPk(c));
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? State.valueOf(rs.getString(1)) : State.CLOSED;
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            private long jobPk(Connection c) throws SQLException {
                try (PreparedStatement ps = c.prepareStatement("SELECT pk FROM jobs WHERE id = ?")) {
                    ps.setObject(1, job.id());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                }
            }
        };
    }
}
