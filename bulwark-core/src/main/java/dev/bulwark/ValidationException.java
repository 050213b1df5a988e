package dev.bulwark;

/** Bad input refused before anything runs: the message names the bad value and what is expected. */
public class ValidationException extends BulwarkException {
    public ValidationException(String message) {
        super(message);
    }

    /** Throws a {@code ValidationException} with {@code message} unless {@code condition} holds. */
    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new ValidationException(message);
        }
    }
}
