package dev.bulwark.cli;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.ItemHandler;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Durations;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --delay} and {@code --rate}: spaces the starts of attempts, for the whole job and per
 * scope, by wrapping the item handler. Each attempt reserves the first start time that keeps every
 * limit, then waits for it (in its slot: the wait is part of the attempt's recorded duration, not
 * of its timeout, which starts with the command). Thread-safe.
 */
final class StartPacer implements ItemHandler {
    private final ItemHandler handler;
    private final long jobGapNanos;
    private final long scopeGapNanos;
    private long nextJobStart;
    private final Map<String, Long> nextScopeStart = new HashMap<>();

    private StartPacer(ItemHandler handler, long jobGapNanos, long scopeGapNanos) {
        this.handler = handler;
        this.jobGapNanos = jobGapNanos;
        this.scopeGapNanos = scopeGapNanos;
        this.nextJobStart = Long.MIN_VALUE;
    }

    /** {@code handler} paced by the options, or {@code handler} itself when none is given. */
    static ItemHandler pace(ItemHandler handler, String delay, String rate, String scopeRate) {
        long delayNanos = delay == null ? 0 : Durations.parse(delay, "--delay").toNanos();
        long jobGap = Math.max(delayNanos, rate == null ? 0 : gap(rate, "--rate"));
        long scopeGap = scopeRate == null ? 0 : gap(scopeRate, "--rate-per-scope");
        return jobGap == 0 && scopeGap == 0 ? handler : new StartPacer(handler, jobGap, scopeGap);
    }

    /** The time between starts for a rate written {@code N/s}, {@code N/m} or {@code N/h}. */
    static long gap(String rate, String option) {
        String t = rate.trim();
        int slash = t.indexOf('/');
        String unit = slash < 0 ? "" : t.substring(slash + 1);
        long per = switch (unit) {
            case "s" -> TimeUnit.SECONDS.toNanos(1);
            case "m", "min" -> TimeUnit.MINUTES.toNanos(1);
            case "h" -> TimeUnit.HOURS.toNanos(1);
            default -> -1;
        };
        double n;
        try {
            n = slash < 0 ? -1 : Double.parseDouble(t.substring(0, slash));
        } catch (NumberFormatException e) {
            n = -1;
        }
        ValidationException.require(per > 0 && n > 0 && n <= 1_000_000 && Double.isFinite(n), option
                + " must be a number of starts per second, minute or hour, such as 10/s, 0.5/s or 100/m, but was '" + rate + "'");
        return (long) (per / n);
    }

    @Override
    public AttemptResult handle(AttemptContext ctx) throws Exception {
        long wait = reserve(ctx.item().scope(), System.nanoTime());
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // a pause or cancel: the handler records the attempt as stopped
            }
        }
        return handler.handle(ctx);
    }

    /** Reserves the next start at or after {@code now} that keeps the job's and the scope's spacing; returns how long to wait for it. */
    synchronized long reserve(String scope, long now) {
        long start = Math.max(now, nextJobStart);
        String key = scope == null ? "" : scope;
        if (scopeGapNanos > 0) {
            start = Math.max(start, nextScopeStart.getOrDefault(key, now));
            nextScopeStart.put(key, start + scopeGapNanos);
        }
        nextJobStart = start + jobGapNanos;
        return start - now;
    }
}
