package dev.bulwark;

/**
 * Stops a job after too many failed items, like a batch-level halt: either a count
 * ({@code --max-failures 5}: the job stops when the 5th item fails) or a share of the job's
 * items ({@code --max-failures 10%}: the job stops when failed items reach 10% of its items,
 * rounded up, at least 1).
 *
 * @param count   the number of failed items that stops the job, or 0 when a percentage is used
 * @param percent the percentage of the job's items, or 0 when a count is used
 */
public record FailureThreshold(long count, double percent) {

    public FailureThreshold {
        ValidationException.require((count > 0) != (percent > 0),
                "max-failures needs either a count >= 1 or a percentage in (0, 100]");
        ValidationException.require(percent <= 100.0, "max-failures must be at most 100%, but was " + percent + "%");
    }

    /** Parses {@code "5"} or {@code "10%"}. */
    public static FailureThreshold parse(String text) {
        String value = text == null ? "" : text.trim();
        try {
            if (value.endsWith("%")) {
                double percent = Double.parseDouble(value.substring(0, value.length() - 1).trim());
                ValidationException.require(percent > 0 && percent <= 100,
                        "max-failures must be a count >= 1 or a percentage between 0 and 100 (like 10%), but was '" + text + "'");
                return new FailureThreshold(0, percent);
            }
            long count = Long.parseLong(value);
            ValidationException.require(count >= 1,
                    "max-failures must be a count >= 1 or a percentage (like 10%), but was '" + text + "'");
            return new FailureThreshold(count, 0);
        } catch (NumberFormatException e) {
            throw new ValidationException(
                    "max-failures must be a count >= 1 or a percentage (like 10%), but was '" + text + "'");
        }
    }

    /** Failed items that stop a job of {@code total} items. */
    public long limitFor(long total) {
        if (count > 0) {
            return count;
        }
        return Math.max(1, (long) Math.ceil(total * percent / 100.0));
    }

    @Override
    public String toString() {
        return count > 0 ? Long.toString(count) : (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent)) + "%";
    }
}
