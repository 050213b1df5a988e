package dev.bulwark;

import java.util.function.UnaryOperator;

/**
 * Bad input refused before anything runs: the message names the bad value and what is expected.
 *
 * <p>A bad value of one setting names the setting as the Java API calls it ({@code jobTimeout must
 * be positive, but was 0s}); a front end names it as its users know it with
 * {@link #messageNaming}: the command line as a flag ({@code --job-timeout must be positive, …}),
 * the service as a template key ({@code job-timeout must be positive, …}).
 */
public class ValidationException extends BulwarkException {
    private final String setting;
    private final String detail;

    public ValidationException(String message) {
        super(message);
        this.setting = null;
        this.detail = message;
    }

    /**
     * A bad value of {@code setting}.
     *
     * @param setting the setting as the Java API names it ({@code concurrency}, {@code jobTimeout})
     * @param detail  what is wrong, to follow the setting's name ({@code must be positive, but was 0s})
     */
    public ValidationException(String setting, String detail) {
        super(setting + " " + detail);
        this.setting = setting;
        this.detail = detail;
    }

    /** The setting whose value is refused, as the Java API names it, or null when the message names no one setting. */
    public String setting() {
        return setting;
    }

    /** The message with the setting named by {@code names} (given the Java API's name; null: keep it). */
    public String messageNaming(UnaryOperator<String> names) {
        if (setting == null) {
            return getMessage();
        }
        String name = names.apply(setting);
        return (name == null ? setting : name) + " " + detail;
    }

    /** Throws a {@code ValidationException} with {@code message} unless {@code condition} holds. */
    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new ValidationException(message);
        }
    }

    /** Throws a {@code ValidationException} about {@code setting} unless {@code condition} holds. */
    public static void require(boolean condition, String setting, String detail) {
        if (!condition) {
            throw new ValidationException(setting, detail);
        }
    }
}
