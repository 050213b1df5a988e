package dev.bulwark;

/** Root of every exception Bulwark throws. Messages say what is wrong and what to do next. */
public class BulwarkException extends RuntimeException {
    public BulwarkException(String message) {
        super(message);
    }

    public BulwarkException(String message, Throwable cause) {
        super(message, cause);
    }
}
