package dev.bulwark;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The status of an item. Allowed changes live in one table ({@link #canBecome(ItemStatus)}).
 *
 * <pre>PENDING → RUNNING → SUCCEEDED | RETRY_WAIT → RUNNING … | FAILED | SKIPPED</pre>
 *
 * <p>SUCCEEDED → COMPENSATED: after a critical error, a job with a rollback undid the item's
 * effect with its compensation command.
 *
 * <p>RUNNING → PENDING is an interrupted attempt (pause, crash); FAILED → PENDING and
 * SKIPPED → PENDING happen only by an explicit user action ({@code retry-failed}, or
 * {@code resume} of a halted job).
 */
public enum ItemStatus {
    PENDING, RUNNING, RETRY_WAIT, SUCCEEDED, FAILED, SKIPPED,
    /** Succeeded, then undone by the rollback of a job that stopped on a critical error. */
    COMPENSATED;

    private static final Map<ItemStatus, Set<ItemStatus>> ALLOWED = Map.of(
            PENDING, EnumSet.of(RUNNING, SKIPPED, FAILED),
            RUNNING, EnumSet.of(SUCCEEDED, FAILED, RETRY_WAIT, PENDING, SKIPPED),
            RETRY_WAIT, EnumSet.of(RUNNING, SKIPPED, FAILED),
            SUCCEEDED, EnumSet.of(COMPENSATED),
            COMPENSATED, EnumSet.noneOf(ItemStatus.class),
            FAILED, EnumSet.of(PENDING),
            SKIPPED, EnumSet.of(PENDING));

    public boolean canBecome(ItemStatus next) {
        return ALLOWED.get(this).contains(next);
    }

    public void checkCanBecome(ItemStatus next, String what) {
        if (!canBecome(next)) {
            throw new InvalidTransitionException(what, name(), next.name());
        }
    }

    /** SUCCEEDED, FAILED, SKIPPED or COMPENSATED: the item's final outcome. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == SKIPPED || this == COMPENSATED;
    }
}
