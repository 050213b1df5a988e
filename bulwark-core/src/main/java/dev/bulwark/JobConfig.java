package dev.bulwark;

import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.util.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The policies a job runs with. Immutable; it is frozen into the ledger when the job is
 * accepted (the job's configuration snapshot), so a resumed job runs exactly as it started.
 * Build one with {@link #builder()}.
 *
 * @param concurrency      attempts running at once (1 = sequential)
 * @param ordered          item n+1 starts only after item n has its final outcome
 * @param retry            retries and backoff
 * @param attemptTimeout   longest an attempt may run, or null for no limit
 * @param failureThreshold stops the job after too many failed items, or null to never stop for that
 * @param exec             the command run per item, or null for a Java handler
 * @param input            where the items came from (for the audit trail)
 * @param breaker          circuit breakers per scope, or null for none
 * @param halt             how the job stops when halted (default {@link HaltMode#NOW})
 * @param jobTimeout       longest a run of the job may take (plus {@code jobTimeoutPerItem} per item), or null
 * @param jobTimeoutPerItem time added to the job timeout for each item without an outcome when a run starts, or null
 * @param stopOnFirstFailure halt the job as soon as one item FAILED
 * @param rollback         after a critical error, undo every succeeded item, newest first, with the
 *                         compensation command (or the compensator given to the engine)
 * @param compensate       the compensation command of a rollback, or null (a Java compensator, or no rollback)
 * @param attemptTimeoutPercent longest an attempt may run as a percentage of the median duration of the
 *                         job's recent successful attempts (no limit until the first success), or null;
 *                         exclusive with {@code attemptTimeout}
 * @param orderedBy        order per scope: the template ({@code {//}}, {@code {host}}) that gives each item its
 *                         order scope, or {@value #ORDERED_BY_JAVA} when a Java function gave them; the items of
 *                         one scope run strictly one after another in sequence order (each after the one before
 *                         has its final outcome), different scopes in parallel. Null for none; exclusive with
 *                         {@code ordered}
 */
public record JobConfig(int concurrency, boolean ordered, RetryPolicy retry, Duration attemptTimeout,
                        FailureThreshold failureThreshold, ExecSpec exec, Map<String, String> input,
                        BreakerConfig breaker, HaltMode halt, Duration jobTimeout, Duration jobTimeoutPerItem,
                        boolean stopOnFirstFailure, boolean rollback, ExecSpec compensate, Integer attemptTimeoutPercent,
                        String orderedBy) {

    public static final int DEFAULT_CONCURRENCY = 1;
    /** The option that sets {@link #orderedBy()}, as messages name it. */
    public static final String ORDERED_BY_OPTION = "--ordered-by";
    /** {@link #orderedBy()} of a job whose items got their order scope from a Java function. */
    public static final String ORDERED_BY_JAVA = "java";
    public static final int MAX_CONCURRENCY = 10_000;

    public JobConfig {
        Objects.requireNonNull(retry, "retry");
        ValidationException.require(concurrency >= 1 && concurrency <= MAX_CONCURRENCY, "concurrency",
                "must be between 1 and " + MAX_CONCURRENCY + ", but was " + concurrency);
        ValidationException.require(!ordered || concurrency == 1, "ordered",
                "runs one item at a time (item n+1 starts once item n is final), so it needs concurrency 1, but concurrency was " + concurrency);
        ValidationException.require(attemptTimeout == null || (!attemptTimeout.isNegative() && !attemptTimeout.isZero()),
                "attemptTimeout", "must be positive, but was " + shown(attemptTimeout));
        input = input == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(input));
        halt = halt == null ? HaltMode.NOW : halt;
        ValidationException.require(jobTimeout == null || (!jobTimeout.isNegative() && !jobTimeout.isZero()),
                "jobTimeout", "must be positive, but was " + shown(jobTimeout));
        ValidationException.require(jobTimeoutPerItem == null || (!jobTimeoutPerItem.isNegative() && !jobTimeoutPerItem.isZero()),
                "jobTimeoutPerItem", "must be positive, but was " + shown(jobTimeoutPerItem));
        ValidationException.require(attemptTimeoutPercent == null || attemptTimeoutPercent > 0, "attemptTimeoutPercent",
                "must be more than 0%, but was " + attemptTimeoutPercent + "%");
        ValidationException.require(attemptTimeoutPercent == null || attemptTimeout == null, "attemptTimeout",
                "is either a duration or a percentage of the median, not both");
        ValidationException.require(orderedBy == null || !ordered, "orderedBy", "'" + orderedBy
                + "' (an order per scope) cannot go with one order over the whole job: give one of the two");
        if (orderedBy != null && !orderedBy.equals(ORDERED_BY_JAVA)) {
            ScopeTemplate.compile(ORDERED_BY_OPTION, orderedBy);
        }
    }

    private static String shown(Duration d) {
        if (d == null) {
            return "none";
        }
        return d.isNegative() ? "-" + dev.bulwark.util.Durations.format(d.negated()) : dev.bulwark.util.Durations.format(d);
    }

    /** The template of {@link #orderedBy()}, or null when there is none or a Java function gives the order scopes. */
    public ScopeTemplate orderTemplate() {
        return orderedBy == null || orderedBy.equals(ORDERED_BY_JAVA) ? null : ScopeTemplate.compile(ORDERED_BY_OPTION, orderedBy);
    }

    /** This configuration with {@code value} as the record of where the items came from. */
    public JobConfig withInput(Map<String, String> value) {
        return new JobConfig(concurrency, ordered, retry, attemptTimeout, failureThreshold, exec, value,
                breaker, halt, jobTimeout, jobTimeoutPerItem, stopOnFirstFailure, rollback, compensate, attemptTimeoutPercent,
                orderedBy);
    }

    /** The time budget of a run that starts with {@code open} items without an outcome, or null for none. */
    public Duration jobBudget(long open) {
        if (jobTimeout == null && jobTimeoutPerItem == null) {
            return null;
        }
        Duration base = jobTimeout == null ? Duration.ZERO : jobTimeout;
        return jobTimeoutPerItem == null ? base : base.plus(jobTimeoutPerItem.multipliedBy(Math.max(0, open)));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The snapshot as JSON, as stored in the ledger. */
    public String toJson() {
        return Json.write(this);
    }

    public static JobConfig fromJson(String json) {
        return Json.read(json, JobConfig.class);
    }

    /** A validating builder with the documented defaults. Not thread-safe. */
    public static final class Builder {
        private int concurrency = DEFAULT_CONCURRENCY;
        private boolean ordered;
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private Duration attemptTimeout;
        private FailureThreshold failureThreshold;
        private ExecSpec exec;
        private final Map<String, String> input = new LinkedHashMap<>();
        private BreakerConfig breaker;
        private HaltMode halt = HaltMode.NOW;
        private Duration jobTimeout;
        private Duration jobTimeoutPerItem;
        private boolean stopOnFirstFailure;
        private boolean rollback;
        private ExecSpec compensate;
        private Integer attemptTimeoutPercent;
        private String orderedBy;

        public Builder concurrency(int value) {
            this.concurrency = value;
            return this;
        }

        public Builder ordered(boolean value) {
            this.ordered = value;
            return this;
        }

        /**
         * Order per scope: the template ({@code {//}}, {@code {host}}, as {@code --breaker-scope}'s)
         * that gives each item its order scope, or {@link #ORDERED_BY_JAVA}; null for none.
         */
        public Builder orderedBy(String value) {
            this.orderedBy = value;
            return this;
        }

        public Builder retry(RetryPolicy value) {
            this.retry = Objects.requireNonNull(value, "retry");
            return this;
        }

        public Builder attemptTimeout(Duration value) {
            this.attemptTimeout = value;
            return this;
        }

        /**
         * Longest an attempt may run, as a percentage of the median duration of the job's recent
         * successful attempts (GNU parallel's {@code --timeout N%}); no limit until the first
         * success. Null for none; exclusive with {@link #attemptTimeout}.
         */
        public Builder attemptTimeoutPercent(Integer value) {
            this.attemptTimeoutPercent = value;
            return this;
        }

        public Builder failureThreshold(FailureThreshold value) {
            this.failureThreshold = value;
            return this;
        }

        public Builder exec(ExecSpec value) {
            this.exec = value;
            return this;
        }

        public Builder input(String name, String value) {
            this.input.put(name, value);
            return this;
        }

        /** Circuit breakers per scope; null for none. */
        public Builder breaker(BreakerConfig value) {
            this.breaker = value;
            return this;
        }

        public Builder halt(HaltMode value) {
            this.halt = Objects.requireNonNull(value, "halt");
            return this;
        }

        /** Longest a run may take; with {@link #jobTimeoutPerItem}, the base of the budget. */
        public Builder jobTimeout(Duration value) {
            this.jobTimeout = value;
            return this;
        }

        public Builder jobTimeoutPerItem(Duration value) {
            this.jobTimeoutPerItem = value;
            return this;
        }

        public Builder stopOnFirstFailure(boolean value) {
            this.stopOnFirstFailure = value;
            return this;
        }

        /**
         * After a critical error, undo every succeeded item, newest first: with {@link #compensate}'s
         * command, or with the compensator given to {@link Engine#run(java.util.UUID, ItemHandler, ItemHandler)}.
         */
        public Builder rollback(boolean value) {
            this.rollback = value;
            return this;
        }

        /** The compensation command of a rollback (sets {@link #rollback}); null for none. */
        public Builder compensate(ExecSpec value) {
            this.compensate = value;
            this.rollback = value != null || rollback;
            return this;
        }

        public JobConfig build() {
            return new JobConfig(concurrency, ordered, retry, attemptTimeout, failureThreshold, exec, input,
                    breaker, halt, jobTimeout, jobTimeoutPerItem, stopOnFirstFailure, rollback, compensate, attemptTimeoutPercent,
                    orderedBy);
        }
    }
}
