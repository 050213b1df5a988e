package dev.bulwark.util;

import dev.bulwark.ValidationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum values written in options and configuration files ({@code soon}, {@code HALT}, {@code on-open}). */
public final class Choices {
    private Choices() {
    }

    /**
     * One of an enum's constants, in any case, with {@code -} for {@code _}; throws
     * {@link ValidationException} naming {@code where}, the bad value and the choices.
     */
    public static <E extends Enum<E>> E of(String value, String where, Class<E> type) {
        String expected = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ValidationException(where + " must be one of " + expected + ", but was '" + value + "'");
        }
    }
}
