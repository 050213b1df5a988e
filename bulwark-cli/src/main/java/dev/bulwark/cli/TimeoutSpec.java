package dev.bulwark.cli;

import dev.bulwark.JobConfig;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Durations;
import java.time.Duration;

/**
 * The value of {@code --timeout}: a duration ({@code 30s}), or a percentage of the median duration
 * of the job's successful attempts ({@code 200%}, GNU parallel's habit).
 *
 * @param duration the fixed limit, or null
 * @param percent  the relative limit, or null
 */
record TimeoutSpec(Duration duration, Integer percent) {
    /** No limit. */
    static final TimeoutSpec NONE = new TimeoutSpec(null, null);

    /** Parses {@code --timeout}'s value; null stands for no limit. */
    static TimeoutSpec parse(String text) {
        if (text == null) {
            return NONE;
        }
        String value = text.trim();
        String expected = "--timeout must be a duration longer than 0 like 500ms, 30s, 5m or 1h30m, or a percentage "
                + "of the median successful attempt more than 0% like 200%, but was '" + text + "'";
        if (value.endsWith("%")) {
            String number = value.substring(0, value.length() - 1).trim();
            int percent = number.matches("\\d{1,6}") ? Integer.parseInt(number) : 0;
            ValidationException.require(percent > 0, expected);
            return new TimeoutSpec(null, percent);
        }
        Duration duration;
        try {
            duration = Durations.parse(value, "--timeout");
        } catch (ValidationException e) {
            throw new ValidationException(e.getMessage().contains("too long") ? e.getMessage() : expected);
        }
        ValidationException.require(!duration.isZero(), expected);
        return new TimeoutSpec(duration, null);
    }

    /** The job's time limit per attempt. */
    static TimeoutSpec of(JobConfig config) {
        return new TimeoutSpec(config.attemptTimeout(), config.attemptTimeoutPercent());
    }

    boolean none() {
        return duration == null && percent == null;
    }

    /** As shown in status and summaries: {@code 30s}, {@code 200% of the median}, or {@code -}. */
    String describe() {
        return percent != null ? percent + "% of the median" : Durations.format(duration);
    }
}
