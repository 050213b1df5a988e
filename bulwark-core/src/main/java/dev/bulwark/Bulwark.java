package dev.bulwark;

import dev.bulwark.util.FileNames;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The Java API's entry point: build a batch over any Java objects, give it a handler and
 * policies, and run it.
 *
 * <pre>{@code
 * BatchResult result = Bulwark.batch(files)
 *         .key(Path::toString)
 *         .handler(file -> importFile(file))
 *         .concurrency(5)
 *         .retry(Retry.exponential(3, Duration.ofSeconds(1)))
 *         .classify(IOException.class, ErrorClass.TRANSIENT, "io")
 *         .run();
 * result.failures().forEach(item -> System.out.println(item.key() + ": " + item.message()));
 * }</pre>
 *
 * <p>See {@link BatchBuilder} for every option. Thread-safe (it holds no state).
 */
public final class Bulwark {

    private Bulwark() {
    }

    /**
     * A batch over {@code items}, each keyed by its {@code toString()} until {@link BatchBuilder#key}
     * says otherwise. The iterable is walked twice when the batch runs (once to check every item,
     * once to store it), so it must give the same items both times.
     */
    public static <T> BatchBuilder<T> batch(Iterable<T> items) {
        return new BatchBuilder<>(Objects.requireNonNull(items, "items"));
    }

    /** A batch of strings, each its own key; resumable without a restore function. */
    public static BatchBuilder<String> strings(Iterable<String> items) {
        return batch(items).key(s -> s).restore(Item::key);
    }

    /**
     * A batch of paths, keyed by their text; resumable without a restore function. A name that is
     * not UTF-8 keeps its bytes: its key holds them as U+EF80 to U+EFFF (shown {@code \xNN}), and
     * the restored path names the same file.
     */
    public static BatchBuilder<Path> paths(Iterable<Path> items) {
        return batch(items).key(FileNames::text).restore(item -> FileNames.path(item.key()));
    }
}
