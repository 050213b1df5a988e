package dev.bulwark.server;

import dev.bulwark.HaltMode;
import dev.bulwark.JobConfig;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.exec.ExecSpec;
import java.time.Duration;

/**
 * What a template does when items keep failing, beyond retries and {@code max-failures}: the
 * same policies as {@code bulwark run}'s options (see {@code docs/failure-handling.md}), parsed
 * and checked by the same code.
 *
 * @param breaker            circuit breakers per scope, or null for none
 * @param halt               how a halted job stops
 * @param jobTimeout         the time budget of a run of a job, or null
 * @param jobTimeoutPerItem  added to the budget for every item still to run, or null
 * @param stopOnFirstFailure halt a job as soon as one item failed for good
 * @param compensate         after a critical error, the command that undoes each succeeded item
 *                           (a rollback), or null for none
 */
public record FailurePolicies(BreakerConfig breaker, HaltMode halt, Duration jobTimeout, Duration jobTimeoutPerItem,
                              boolean stopOnFirstFailure, ExecSpec compensate) {

    /** No breaker, no job timeout, halts stop at once, no rollback. */
    public static final FailurePolicies NONE = new FailurePolicies(null, HaltMode.NOW, null, null, false, null);

    public FailurePolicies {
        halt = halt == null ? HaltMode.NOW : halt;
        if (breaker != null && breaker.scope() != null) {
            ScopeTemplate.compile(breaker.scope());
        }
        if (compensate != null) {
            new ExecHandler(compensate); // validates its placeholders and shell script now
        }
    }

    /** The breaker's scope template, or null when each item's own scope is used. */
    public ScopeTemplate scopeTemplate() {
        return breaker == null || breaker.scope() == null ? null : ScopeTemplate.compile(breaker.scope());
    }

    /** Sets these policies on a job configuration; {@code compensate} is the command with its parameters filled in. */
    JobConfig.Builder applyTo(JobConfig.Builder b, ExecSpec filledCompensate) {
        return b.breaker(breaker).halt(halt).jobTimeout(jobTimeout).jobTimeoutPerItem(jobTimeoutPerItem)
                .stopOnFirstFailure(stopOnFirstFailure).compensate(filledCompensate);
    }
}
