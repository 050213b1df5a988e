package dev.bulwark.server;

import dev.bulwark.ValidationException;
import java.util.Locale;

/** What a token may do: {@code read} jobs, {@code submit} and control them, {@code admin} the service. */
public enum Role {
    /** {@code GET} routes of the tenant's own jobs. */
    READ,
    /** Submit jobs and cancel, pause, resume or retry them. */
    SUBMIT,
    /** Delete finished jobs, read {@code /stats} and {@code /metrics}. */
    ADMIN;

    /** Parses {@code read}, {@code submit} or {@code admin} (any case). */
    public static Role parse(String text, String where) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ValidationException(where + ": role must be one of read, submit, admin, but was '" + text + "'");
        }
    }

    /** The role as written in the configuration. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
