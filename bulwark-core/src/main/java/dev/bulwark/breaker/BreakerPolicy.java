package dev.bulwark.breaker;

import dev.bulwark.ErrorClass;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Durations;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * When a circuit breaker opens and how it recovers. Written on the command line as
 * {@code consecutive=3}, {@code failures=3,window=60s} or {@code rate=50%,min-calls=20,window=60s},
 * each optionally with {@code slow=10s} (attempts slower than that count as failures).
 *
 * @param trip       what opens the breaker
 * @param threshold  consecutive failures, or failures within the window
 * @param window     the sliding window of {@code failures} and {@code rate}
 * @param rate       failure rate in percent that opens the breaker ({@code rate} only)
 * @param minCalls   calls in the window before the rate counts ({@code rate} only)
 * @param slow       attempts slower than this count as failures, or null
 * @param openFor    how long the breaker stays open the first time
 * @param openGrowth factor applied to the open time on each re-open without a close in between (1 = fixed)
 * @param openMax    longest open time
 * @param trials     calls let through while half-open; all must succeed to close
 * @param counted    error classes that count as failures; null or empty for {@link #DEFAULT_COUNTED} when
 *                   {@code categories} is empty too, else exactly these (possibly none)
 * @param categories failure categories that count as failures whatever their class ({@code timeout},
 *                   {@code exit:75}, {@code http:5*} — a trailing {@code *} matches any rest); null for none
 * @param manual     an opened breaker stays open until it is reset by hand ({@code --breaker-open manual}):
 *                   no trial call is ever sent by itself, and {@code openFor} is not used
 */
public record BreakerPolicy(Trip trip, int threshold, Duration window, double rate, int minCalls, Duration slow,
                            Duration openFor, double openGrowth, Duration openMax, int trials, Set<ErrorClass> counted,
                            Set<String> categories, boolean manual) {
    /** The settings a bad spec is named by ({@link ValidationException#setting()}): the policy, and its open time. */
    private static final String SPEC = "breaker";
    private static final String OPEN = "breakerOpen";


    /** What opens a breaker. */
    public enum Trip { CONSECUTIVE, FAILURES, RATE }

    public static final Duration DEFAULT_OPEN = Duration.ofSeconds(60);
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(60);
    public static final int DEFAULT_MIN_CALLS = 10;
    /** The {@code --breaker-open} value of a breaker that stays open until reset by hand. */
    public static final String MANUAL = "manual";
    /**
     * The error classes a breaker counts unless told otherwise: transient and critical failures,
     * which speak of the scope (a host down, refusing, timing out). Permanent failures (a 404, bad
     * input) speak of one item, so they neither open nor close a breaker unless
     * {@link #withCounted(Set)} (the command line's {@code --breaker-count}) asks for them.
     */
    public static final Set<ErrorClass> DEFAULT_COUNTED = Set.of(ErrorClass.TRANSIENT, ErrorClass.CRITICAL);

    public BreakerPolicy {
        ValidationException.require(trip != null, "a breaker needs consecutive=N, failures=N,window=D or rate=P%,window=D");
        ValidationException.require(trip == Trip.RATE || (threshold >= 1 && threshold <= 1_000_000),
                "breaker threshold must be between 1 and 1000000, but was " + threshold);
        ValidationException.require(trip == Trip.CONSECUTIVE || (window != null && !window.isNegative() && !window.isZero()),
                "breaker window must be a positive duration, but was " + window);
        ValidationException.require(trip != Trip.RATE || (rate > 0 && rate <= 100),
                "breaker rate must be a percentage in (0, 100], but was " + rate);
        ValidationException.require(trip != Trip.RATE || minCalls >= 1, "breaker min-calls must be at least 1, but was " + minCalls);
        ValidationException.require(slow == null || (!slow.isNegative() && !slow.isZero()), "breaker slow must be positive, but was " + slow);
        ValidationException.require(openFor != null && !openFor.isNegative() && !openFor.isZero(),
                "breaker open time must be positive, but was " + openFor);
        ValidationException.require(openGrowth >= 1.0 && openGrowth <= 100.0,
                "breaker open growth must be between 1 and 100, but was " + openGrowth);
        openMax = openMax == null ? openFor : openMax;
        ValidationException.require(openMax.compareTo(openFor) >= 0, "breaker open max (" + Durations.format(openMax)
                + ") must not be shorter than the open time (" + Durations.format(openFor) + ")");
        ValidationException.require(trials >= 1 && trials <= 1_000, "breaker trials must be between 1 and 1000, but was " + trials);
        categories = categories == null ? Set.of() : Set.copyOf(categories);
        for (String category : categories) {
            ValidationException.require(CATEGORY.matcher(category).matches(), "a breaker counts categories like timeout, "
                    + "exit:75 or http:5* (no spaces or commas, * only at the end), but was '" + category + "'");
        }
        counted = (counted == null || counted.isEmpty()) && categories.isEmpty() ? DEFAULT_COUNTED
                : counted == null ? Set.of() : Set.copyOf(counted);
    }

    private static final java.util.regex.Pattern CATEGORY = java.util.regex.Pattern.compile("[^\\s,*]+\\*?|\\*");

    /** Opens after {@code n} consecutive failed attempts; open 60 s; one trial. */
    public static BreakerPolicy consecutive(int n) {
        return new BreakerPolicy(Trip.CONSECUTIVE, n, null, 0, 0, null, DEFAULT_OPEN, 1.0, null, 1, null, null, false);
    }

    /** Opens after {@code n} failures within any {@code window}. */
    public static BreakerPolicy failures(int n, Duration window) {
        return new BreakerPolicy(Trip.FAILURES, n, window, 0, 0, null, DEFAULT_OPEN, 1.0, null, 1, null, null, false);
    }

    /** Opens when at least {@code percent}% of the calls in {@code window} failed, once there were {@code minCalls}. */
    public static BreakerPolicy rate(double percent, int minCalls, Duration window) {
        return new BreakerPolicy(Trip.RATE, 0, window, percent, minCalls, null, DEFAULT_OPEN, 1.0, null, 1, null, null, false);
    }

    public BreakerPolicy withSlow(Duration value) {
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, value, openFor, openGrowth, openMax, trials, counted, categories, manual);
    }

    /** Open time, growing by {@code growth} on each re-open up to {@code max}. */
    public BreakerPolicy withOpen(Duration value, double growth, Duration max) {
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, slow, value, growth, max, trials, counted, categories, false);
    }

    /**
     * This policy with the open time written as for {@code --breaker-open}: {@code 60s}, or
     * {@code 30s,grow=2,max=10m} (with {@code grow} and no {@code max}: up to 60 times the first
     * open time), or {@code manual} (open until reset by hand, see {@link #manualReset()}). Throws
     * {@link ValidationException} naming the bad part.
     */
    public BreakerPolicy withOpen(String text) {
        String usage = "must look like 60s, 30s,grow=2,max=10m or manual, but was '" + text + "'";
        ValidationException.require(text != null && !text.isBlank(), OPEN, usage);
        if (text.trim().equalsIgnoreCase(MANUAL)) {
            return manualReset();
        }
        String[] parts = text.split(",");
        Duration open;
        try {
            open = Durations.parse(parts[0].trim(), "--breaker-open");
        } catch (ValidationException e) {
            throw new ValidationException(OPEN, usage + " (" + e.getMessage() + ")");
        }
        double grow = 1.0;
        Duration max = null;
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            ValidationException.require(kv.length == 2, OPEN, usage);
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "grow" -> {
                    try {
                        grow = Double.parseDouble(kv[1].trim());
                    } catch (NumberFormatException e) {
                        throw new ValidationException(OPEN, "grow must be a number like 2, but was '" + kv[1] + "'");
                    }
                }
                case "max" -> max = Durations.parse(kv[1].trim(), "--breaker-open max");
                default -> throw new ValidationException(OPEN, usage);
            }
        }
        ValidationException.require(grow > 1.0 || max == null || max.equals(open), OPEN,
                "max needs grow=F (F > 1) to matter, in '" + text + "'");
        return withOpen(open, grow, max != null ? max : grow > 1.0 ? open.multipliedBy(60) : open);
    }

    /**
     * This policy with an opened breaker staying open until it is reset by hand
     * ({@code bulwark breaker reset}, {@code Engine.resetBreaker}, {@code NamedBreaker.reset}): it
     * never turns half-open by itself, so no trial call is sent without a person deciding.
     */
    public BreakerPolicy manualReset() {
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, slow, openFor, 1.0, openFor, trials, counted, categories, true);
    }

    /** The open time for people: {@code until reset}, {@code 60s} or {@code 30s,grow=2,max=10m}. */
    public String describeOpen() {
        return manual ? "until reset" : openSpec();
    }

    /** The open time as {@code --breaker-open} takes it: {@code manual}, {@code 60s} or {@code 30s,grow=2,max=10m}. */
    public String openSpec() {
        if (manual) {
            return MANUAL;
        }
        return openGrowth > 1.0 ? Durations.format(openFor) + ",grow=" + (openGrowth == Math.rint(openGrowth)
                ? Long.toString((long) openGrowth) : Double.toString(openGrowth)) + ",max=" + Durations.format(openMax)
                : Durations.format(openFor);
    }

    /**
     * This policy counting what {@code entries} name, as {@code --breaker-count} and the YAML
     * {@code breaker-count} list give it: each entry is an error class ({@code transient},
     * {@code permanent}, {@code critical}) or a failure category ({@code timeout}, {@code exit:75},
     * {@code connect}, {@code http:5*}). A failure counts when its class or its category is named;
     * with only categories named, only those count. Empty or null: the {@link #DEFAULT_COUNTED}.
     *
     * @param option the option or setting the entries came from, for messages
     */
    public BreakerPolicy withCounting(java.util.Collection<String> entries, String option) {
        Set<ErrorClass> classes = EnumSet.noneOf(ErrorClass.class);
        Set<String> cats = new java.util.LinkedHashSet<>();
        for (String raw : entries == null ? java.util.List.<String>of() : entries) {
            String entry = raw == null ? "" : raw.trim();
            ValidationException.require(!entry.isEmpty(), option + " has an empty entry; give error classes (transient, "
                    + "permanent, critical) or categories (timeout, exit:75, http:5*), separated by commas");
            ErrorClass c = classOf(entry);
            if (c != null) {
                classes.add(c);
            } else {
                ValidationException.require(CATEGORY.matcher(entry).matches(), option + " entry '" + entry + "' is neither an "
                        + "error class (transient, permanent, critical) nor a category like timeout, exit:75 or http:5*");
                cats.add(entry);
            }
        }
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, slow, openFor, openGrowth, openMax, trials, classes, cats, manual);
    }

    private static ErrorClass classOf(String entry) {
        for (ErrorClass c : ErrorClass.values()) {
            if (c.name().equalsIgnoreCase(entry)) {
                return c;
            }
        }
        return null;
    }

    /** Whether a failure of {@code errorClass} and {@code category} (null: unknown) counts toward this breaker. */
    public boolean counts(ErrorClass errorClass, String category) {
        if (counted.contains(errorClass)) {
            return true;
        }
        if (category == null) {
            return false;
        }
        for (String c : categories) {
            if (c.endsWith("*") ? category.startsWith(c.substring(0, c.length() - 1)) : c.equals(category)) {
                return true;
            }
        }
        return false;
    }

    /** What this policy counts, as {@code --breaker-count} takes it: {@code transient,critical} or {@code timeout,exit:75}. */
    public String countSpec() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (ErrorClass c : ErrorClass.values()) {
            if (counted.contains(c)) {
                out.add(c.name().toLowerCase(Locale.ROOT));
            }
        }
        categories.stream().sorted().forEach(out::add);
        return String.join(",", out);
    }

    public BreakerPolicy withTrials(int value) {
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, slow, openFor, openGrowth, openMax, value, counted, categories, manual);
    }

    /**
     * This policy counting exactly the failures of {@code value}'s classes (default
     * {@link #DEFAULT_COUNTED}); a failure of another class neither opens nor closes the breaker.
     */
    public BreakerPolicy withCounted(Set<ErrorClass> value) {
        return new BreakerPolicy(trip, threshold, window, rate, minCalls, slow, openFor, openGrowth, openMax, trials, value, categories, manual);
    }

    /** The open time after {@code reopens} re-opens without a close in between. */
    public Duration openTime(int reopens) {
        double factor = Math.pow(openGrowth, Math.max(0, reopens));
        double nanos = Math.min(openFor.toNanos() * factor, (double) openMax.toNanos());
        return Duration.ofNanos((long) nanos);
    }

    /**
     * Parses the {@code --breaker} value: {@code consecutive=3}, {@code failures=3,window=60s},
     * {@code rate=50%,min-calls=20,window=60s}, each with optional {@code slow=10s}.
     */
    public static BreakerPolicy parse(String text) {
        String usage = "must look like consecutive=3, failures=3,window=60s or rate=50%,min-calls=20,window=60s "
                + "(optionally with ,slow=10s), but was '" + text + "'";
        ValidationException.require(text != null && !text.isBlank(), SPEC, usage);
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            ValidationException.require(eq > 0 && eq < part.length() - 1, SPEC, usage);
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            ValidationException.require(parts.put(key, part.substring(eq + 1).trim()) == null, SPEC,
                    "gives '" + key + "' twice in '" + text + "'");
        }
        Duration slow = parts.containsKey("slow") ? Durations.parse(parts.remove("slow"), "breaker slow") : null;
        BreakerPolicy policy;
        if (parts.containsKey("consecutive")) {
            policy = consecutive(integer(parts.remove("consecutive"), "consecutive", usage));
        } else if (parts.containsKey("failures")) {
            int n = integer(parts.remove("failures"), "failures", usage);
            ValidationException.require(parts.containsKey("window"), SPEC, "failures=N needs window=DURATION, like failures=3,window=60s");
            policy = failures(n, Durations.parse(parts.remove("window"), "breaker window"));
        } else if (parts.containsKey("rate")) {
            String r = parts.remove("rate");
            ValidationException.require(r.endsWith("%"), "breaker rate must be a percentage like 50%, but was '" + r + "'");
            double percent;
            try {
                percent = Double.parseDouble(r.substring(0, r.length() - 1));
            } catch (NumberFormatException e) {
                throw new ValidationException("breaker rate must be a percentage like 50%, but was '" + r + "'");
            }
            int minCalls = parts.containsKey("min-calls") ? integer(parts.remove("min-calls"), "min-calls", usage) : DEFAULT_MIN_CALLS;
            Duration window = parts.containsKey("window") ? Durations.parse(parts.remove("window"), "breaker window") : DEFAULT_WINDOW;
            policy = rate(percent, minCalls, window);
        } else {
            throw new ValidationException(SPEC, usage);
        }
        ValidationException.require(parts.isEmpty(), SPEC, "does not know " + String.join(", ", parts.keySet())
                + " here (in '" + text + "'); it " + usage);
        return slow == null ? policy : policy.withSlow(slow);
    }

    private static int integer(String value, String name, String usage) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new ValidationException(SPEC, name + " must be a whole number, but was '" + value + "'; it " + usage);
        }
    }

    @Override
    public String toString() {
        String base = switch (trip) {
            case CONSECUTIVE -> "consecutive=" + threshold;
            case FAILURES -> "failures=" + threshold + ",window=" + Durations.format(window);
            case RATE -> "rate=" + (rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate)) + "%,min-calls="
                    + minCalls + ",window=" + Durations.format(window);
        };
        if (slow != null) {
            base += ",slow=" + Durations.format(slow);
        }
        return base;
    }
}
