package dev.bulwark.internal;

import dev.bulwark.JobConfig;
import dev.bulwark.RetryPolicy;
import dev.bulwark.breaker.BreakerPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The policies a caller set on a builder that a resumed job does not take, because a job keeps
 * the configuration frozen in its snapshot when it was submitted (the audit trail says what ran).
 * A value object: one per resume; settings left null were not set by the caller.
 *
 * @param concurrency items at once asked for, or null
 * @param retry       retry policy asked for, or null
 * @param timeout     attempt timeout asked for, or null
 * @param breaker     breaker policy asked for, or null
 */
public record FrozenSettings(Integer concurrency, RetryPolicy retry, Duration timeout, BreakerPolicy breaker) {

    /** One line per setting that differs from {@code frozen}, naming both values; empty when none does. */
    public List<String> differences(JobConfig frozen) {
        List<String> out = new ArrayList<>();
        if (concurrency != null && concurrency != frozen.concurrency()) {
            out.add("concurrency " + concurrency + " (the job keeps " + frozen.concurrency() + ")");
        }
        if (retry != null && !retry.equals(frozen.retry())) {
            out.add("retry " + retry + " (the job keeps " + frozen.retry() + ")");
        }
        if (timeout != null && !timeout.equals(frozen.attemptTimeout())) {
            out.add("timeout " + timeout + " (the job keeps " + (frozen.attemptTimeout() == null ? "none" : frozen.attemptTimeout()) + ")");
        }
        BreakerPolicy kept = frozen.breaker() == null ? null : frozen.breaker().policy();
        if (breaker != null && !Objects.equals(breaker, kept)) {
            out.add("breaker " + breaker + " (the job keeps " + (kept == null ? "none" : kept) + ")");
        }
        return out;
    }
}
