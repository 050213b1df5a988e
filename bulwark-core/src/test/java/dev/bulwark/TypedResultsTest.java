package dev.bulwark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Typed handler results through the Java API: stored with the item, read back typed, bounded in size. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TypedResultsTest {
    private final SettableClock clock = new SettableClock();

    /** What converting one file produced: the kind of small value a handler returns. */
    record Converted(String name, long bytes) {
    }

    @Test
    void a_handler_returns_a_typed_result_that_is_stored_with_the_item_and_read_back_typed() {
        BatchResult result = Bulwark.strings(List.of("a.png", "skip.png", "bad.png", "c.png"))
                .handler(Converted.class, file -> {
                    if (file.equals("bad.png")) {
                        throw new PermanentException("decode", "not an image");
                    }
                    return file.startsWith("skip") ? null : new Converted(file.replace(".png", ".webp"), file.length() * 100L);
                })
                .clock(clock).run();

        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        assertThat(result.results(Converted.class)).extracting(ItemResult::seq, ItemResult::key, ItemResult::value)
                .containsExactly(tuple(1L, "a.png", new Converted("a.webp", 500)), tuple(4L, "c.png", new Converted("c.webp", 500)));
        assertThat(result.result(1, Converted.class)).contains(new Converted("a.webp", 500));
        assertThat(result.result(2, Converted.class)).as("a handler that returned null stored nothing").isEmpty();
        assertThat(result.result(3, Converted.class)).as("a failed item has no result").isEmpty();
        assertThat(result.items()).extracting(Item::result)
                .containsExactly("{\"name\":\"a.webp\",\"bytes\":500}", null, null, "{\"name\":\"c.webp\",\"bytes\":500}");
        assertThat(result.job().config().input()).containsEntry("result", "JSON of Converted");
    }

    @Test
    void a_handler_with_context_returns_a_result_per_item() {
        BatchResult result = Bulwark.strings(List.of("x", "y"))
                .handlerWithContext(String.class, (key, ctx) -> ctx.idempotencyKey())
                .concurrency(2).clock(clock).run();

        assertThat(result.results(String.class)).extracting(ItemResult::value)
                .containsExactly(result.jobId() + ":1", result.jobId() + ":2");
    }

    @Test
    void a_result_over_the_limit_fails_its_item_permanently_and_the_others_go_on() {
        String large = "é".repeat(AttemptResult.MAX_RESULT_BYTES / 2); // 8192 bytes, 8194 as a JSON string
        BatchResult result = Bulwark.strings(List.of("small", "large", "last"))
                .handler(String.class, key -> key.equals("large") ? large : key)
                .retry(Retry.fixed(3, java.time.Duration.ofSeconds(1)))
                .clock(clock).run();

        assertThat(result.status()).isEqualTo(JobStatus.PARTIAL);
        Item failed = result.failures().findFirst().orElseThrow();
        assertThat(failed.key()).isEqualTo("large");
        assertThat(failed.errorClass()).isEqualTo(ErrorClass.PERMANENT);
        assertThat(failed.category()).isEqualTo(AttemptResult.RESULT_TOO_LARGE);
        assertThat(failed.message()).contains("8194 bytes").contains("limit of 8192 bytes");
        assertThat(failed.attempts()).as("not retried: it would be as large again").isEqualTo(1);
        assertThat(failed.result()).isNull();
        assertThat(result.results(String.class)).extracting(ItemResult::value).containsExactly("small", "last");
    }

    @Test
    void a_result_the_codec_cannot_write_fails_its_item_permanently_naming_the_result() {
        ResultCodec<Path> codec = ResultCodec.of(path -> {
            if (path.toString().contains("\n")) {
                throw new IllegalArgumentException("a line break in a path");
            }
            return path.toString();
        }, Path::of);

        BatchResult result = Bulwark.strings(List.of("ok", "two\nlines"))
                .handler(codec, key -> Path.of("/out", key))
                .clock(clock).run();

        assertThat(result.result(1, codec)).contains(Path.of("/out/ok"));
        Item failed = result.failures().findFirst().orElseThrow();
        assertThat(failed).extracting(Item::errorClass, Item::category).containsExactly(ErrorClass.PERMANENT, "result");
        assertThat(failed.message()).contains("'/out/two\nlines'").contains("the batch's result codec")
                .contains("a line break in a path");
    }

    @Test
    void reading_a_result_as_the_wrong_type_names_the_item_and_the_stored_text() {
        BatchResult result = Bulwark.strings(List.of("a")).handler(Converted.class, key -> new Converted(key, 1))
                .clock(clock).run();

        assertThatThrownBy(() -> result.results(Long.class).toList())
                .isInstanceOf(BulwarkException.class)
                .hasMessageContaining("item 1 (a)")
                .hasMessageContaining("{\"name\":\"a\",\"bytes\":1}")
                .hasMessageContaining("JSON of Long");
    }

    @Test
    void an_engine_level_handler_stores_a_result_through_its_attempt_result() {
        BatchResult result = Bulwark.strings(List.of("k1", "k2"))
                .itemHandler(attempt -> AttemptResult.success().withResult("{\"len\":" + attempt.key().length() + "}"))
                .clock(clock).run();

        assertThat(result.results(java.util.Map.class)).extracting(ItemResult::value)
                .containsExactly(java.util.Map.of("len", 2), java.util.Map.of("len", 2));
        assertThatThrownBy(() -> AttemptResult.failure(ErrorClass.TRANSIENT, "x", "y").withResult("1"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void items_undone_by_a_rollback_keep_their_results() {
        BatchResult result = Bulwark.strings(List.of("a", "b", "stop", "d"))
                .handler(Integer.class, key -> {
                    if (key.equals("stop")) {
                        throw new CriticalException("config", "wrong credentials");
                    }
                    return key.length();
                })
                .rollback(key -> { })
                .clock(clock).run();

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.results(Integer.class)).extracting(r -> r.item().status(), ItemResult::value)
                .containsExactly(tuple(ItemStatus.COMPENSATED, 1), tuple(ItemStatus.COMPENSATED, 1));
    }
}
