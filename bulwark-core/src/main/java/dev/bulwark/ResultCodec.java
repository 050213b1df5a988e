package dev.bulwark;

import dev.bulwark.util.Json;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a handler's typed result becomes the text stored with its item ({@link Item#result()}) and
 * back. {@link #json(Class)} is the default (Jackson, as item payloads); {@link #of} takes any pair
 * of functions. The stored text is at most {@link AttemptResult#MAX_RESULT_BYTES}. Immutable and
 * thread-safe when its functions are.
 *
 * @param <R> the result type
 */
public final class ResultCodec<R> {
    private final String description;
    /** How the codec turns values into text, for messages: "as JSON of Long", "by the batch's result codec". */
    private final String how;
    private final Function<? super R, String> encoder;
    private final Function<String, ? extends R> decoder;

    private ResultCodec(String description, String how, Function<? super R, String> encoder,
                        Function<String, ? extends R> decoder) {
        this.description = description;
        this.how = how;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /** Results of {@code type} as JSON, written and read by Jackson (records, maps, numbers, strings, lists). */
    public static <R> ResultCodec<R> json(Class<R> type) {
        Objects.requireNonNull(type, "result type");
        return new ResultCodec<>("JSON of " + type.getSimpleName(), "as JSON of " + type.getSimpleName(),
                Json::write, text -> Json.read(text, type));
    }

    /** Results written by {@code encoder} and read by {@code decoder}; neither is called with null. */
    public static <R> ResultCodec<R> of(Function<? super R, String> encoder, Function<String, ? extends R> decoder) {
        return new ResultCodec<>("custom", "by the batch's result codec", Objects.requireNonNull(encoder, "encoder"),
                Objects.requireNonNull(decoder, "decoder"));
    }

    /**
     * The text to store for {@code value} (null for null). A value the codec cannot write is a
     * {@link PermanentException} with category {@code result}: the item fails, into the review queue.
     */
    public String encode(R value) {
        if (value == null) {
            return null;
        }
        try {
            return encoder.apply(value);
        } catch (RuntimeException e) {
            throw new PermanentException("result", "the handler's result " + shown(String.valueOf(value))
                    + " cannot be written " + how + ": " + e.getMessage(), e);
        }
    }

    /** The value stored as {@code text} (null for null); a {@link BulwarkException} naming the text when it cannot be read. */
    public R decode(String text) {
        if (text == null) {
            return null;
        }
        try {
            return decoder.apply(text);
        } catch (RuntimeException e) {
            throw new BulwarkException("the stored result " + shown(text) + " cannot be read " + how + ": "
                    + e.getMessage(), e);
        }
    }

    /** {@code text} quoted, cut to its first 100 characters. */
    private static String shown(String text) {
        return "'" + (text.length() <= 100 ? text : text.substring(0, 100) + "…") + "'";
    }

    /** {@code JSON of TYPE}, or {@code custom}: what the job's configuration snapshot records. */
    @Override
    public String toString() {
        return description;
    }
}
