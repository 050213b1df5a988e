package dev.bulwark;

import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.http.HttpHandler;
import dev.bulwark.internal.BatchItemHandler;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.util.FailureClassifier;
import dev.bulwark.util.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * What a {@link BatchBuilder} was told, and what a run makes of it: the job's configuration
 * (checked as a whole: what the setters cannot check one by one), the engine handler over the
 * typed items (with the compensator and the exception classifiers), the items as the ledger
 * stores them, and the engine. The builder sets the fields; {@link BatchLaunch} runs what this
 * assembles. Not thread-safe, as the builder.
 *
 * @param <T> the item type
 */
final class BatchSettings<T> {
    final Iterable<T> items;
    Function<? super T, String> key = String::valueOf;
    Function<? super T, String> scope;
    /** The order scope of each item ({@link BatchBuilder#orderedBy}), from a function or a template; null for none. */
    Function<? super T, String> orderScope;
    ScopeTemplate orderTemplate;
    Function<? super T, ?> payload;
    Function<Item, T> restore;
    String name = BatchBuilder.DEFAULT_NAME;
    final JobConfig.Builder config = JobConfig.builder();
    int concurrency = JobConfig.DEFAULT_CONCURRENCY;
    Ledger ledger;
    BulwarkClock clock = BulwarkClock.system();
    RandomGenerator random;
    String worker;
    Path logDirectory;
    final List<JobListener> listeners = new ArrayList<>();
    ContextualResultHandler<T, String> handler;
    /** How the handler's results are written and read, or null for a handler without results. */
    ResultCodec<?> resultCodec;
    ItemHandler engineHandler;
    /** What the caller set explicitly, to tell them on resume which of it the frozen job ignores. */
    boolean concurrencySet;
    boolean ordered;
    RetryPolicy retrySet;
    Duration timeoutSet;
    ContextualChunkHandler<T> chunkHandler;
    int chunkSize;
    Duration chunkLinger = BatchBuilder.DEFAULT_CHUNK_LINGER;
    String handlerName;
    final List<ExceptionClassifier> classifiers = new ArrayList<>();
    ErrorClass otherExceptions = ErrorClass.TRANSIENT;
    final Map<String, String> describe = new LinkedHashMap<>();
    BreakerPolicy breakerPolicy;
    BreakerConfig.OnOpen onOpen;
    boolean sharedBreakers;
    ContextualHandler<T> compensator;

    BatchSettings(Iterable<T> items) {
        this.items = items;
    }

    // ------------------------------------------------------------------ handlers

    void requireNoHandler() {
        ValidationException.require(handler == null && chunkHandler == null && engineHandler == null,
                "a batch takes one handler: .handler(...), .chunks(...) or .itemHandler(...), but was given a second");
    }

    void setHandler(ContextualResultHandler<T, String> value, Object described) {
        requireNoHandler();
        this.handler = value;
        this.handlerName = described.getClass().isSynthetic() ? "java" : described.getClass().getName();
    }

    /** A handler whose results are written by {@code codec}, stored with each succeeded item. */
    <R> void setResultHandler(ResultCodec<R> codec, ContextualResultHandler<T, R> value, Object described) {
        Objects.requireNonNull(codec, "result codec");
        setHandler((item, context) -> codec.encode(value.handle(item, context)), described);
        this.resultCodec = codec;
    }

    /** The compensator as an engine handler over the same typed items, or null without a rollback. */
    BatchItemHandler<T> compensating(BatchItemHandler<T> typed) {
        if (compensator == null) {
            return null;
        }
        return typed != null ? typed.compensating(compensator)
                : BatchItemHandler.single(restore, BatchItemHandler.voidHandler(compensator), classifier());
    }

    FailureClassifier classifier() {
        return new FailureClassifier(classifiers, otherExceptions);
    }

    BatchItemHandler<T> itemHandler() {
        ValidationException.require(handler != null || chunkHandler != null,
                "a batch needs a handler: .handler(item -> ...), .chunks(size, items -> ...) or .itemHandler(...)");
        FailureClassifier classifier = classifier();
        return handler != null ? BatchItemHandler.single(restore, handler, classifier)
                : BatchItemHandler.chunked(restore, chunkHandler, chunkSize, chunkLinger.toNanos(), classifier);
    }

    // ------------------------------------------------------------------ job and engine

    JobConfig jobConfig() {
        int slots = concurrency;
        if (chunkHandler != null) {
            long total = (long) concurrency * chunkSize;
            ValidationException.require(total <= JobConfig.MAX_CONCURRENCY, "concurrency " + concurrency + " × chunk size "
                    + chunkSize + " = " + total + " items at once, but at most " + JobConfig.MAX_CONCURRENCY + " are allowed");
            slots = (int) total;
        }
        ValidationException.require(!(ordered && chunkHandler != null), "an ordered batch cannot run in chunks");
        ValidationException.require(!((orderScope != null || orderTemplate != null) && chunkHandler != null),
                "a batch ordered by scope cannot run in chunks");
        ValidationException.require(!ordered || (orderScope == null && orderTemplate == null),
                ".ordered() (one order over the whole batch) and .orderedBy(...) (an order per scope) exclude each other: give one");
        ValidationException.require(!ordered || slots == 1, ".ordered() runs one item at a time (item n+1 starts once item n "
                + "is final), so it needs .concurrency(1), but concurrency was " + slots);
        JobConfig draft = config.concurrency(slots).build();
        ValidationException.require(!(draft.ordered() && chunkHandler != null), "an ordered batch cannot run in chunks");
        config.input("api", "java").input("handler", handlerName);
        if (resultCodec != null) {
            config.input("result", resultCodec.toString());
        }
        if (chunkHandler != null) {
            config.input("chunk_size", Integer.toString(chunkSize)).input("chunks_at_once", Integer.toString(concurrency));
        }
        describe.forEach(config::input);
        ValidationException.require(onOpen == null || breakerPolicy != null,
                ".onOpen(" + onOpen + ") needs a circuit breaker: add .breaker(policy)");
        ValidationException.require(!sharedBreakers || breakerPolicy != null, ".sharedBreakers() needs a circuit breaker: add .breaker(policy)");
        config.breaker(breakerPolicy == null ? null : new BreakerConfig(breakerPolicy, onOpen,
                scope != null ? "java" : httpScopes() ? "host:port" : null, sharedBreakers));
        return config.build();
    }

    Engine engine(Ledger target) {
        Engine.Builder b = Engine.builder().ledger(target).clock(clock);
        if (random != null) {
            b.random(random);
        }
        if (worker != null) {
            b.worker(worker);
        }
        if (logDirectory != null) {
            b.logDirectory(logDirectory);
        }
        listeners.forEach(b::listener);
        return b.build();
    }

    /** Whether items get the http handler's default scope ({@code host:port}): a breaker, no scope function. */
    private boolean httpScopes() {
        return scope == null && breakerPolicy != null && engineHandler instanceof HttpHandler;
    }

    // ------------------------------------------------------------------ items

    private String httpScope(long seq, String key) {
        try {
            return ((HttpHandler) engineHandler).scopeFor(key);
        } catch (ValidationException e) {
            throw new ValidationException("item " + seq + " (" + key + ") has no breaker scope: " + e.getMessage()
                    + "; give .scope(item -> ...)");
        }
    }

    /** Walks every item once and refuses the batch, naming the item, if one cannot be stored. */
    long checkItems() {
        long seq = 0;
        for (T item : items) {
            seq++;
            toSpec(seq, item);
        }
        return seq;
    }

    /** The items as the ledger stores them; each object is remembered by {@code typed} unless it can be restored. */
    Iterator<Engine.ItemSpec> specs(BatchItemHandler<T> typed) {
        Iterator<T> source = items.iterator();
        return new Iterator<>() {
            private long seq;

            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public Engine.ItemSpec next() {
                T item = source.next();
                seq++;
                if (typed != null && restore == null) {
                    typed.remember(seq, item);
                }
                return toSpec(seq, item);
            }
        };
    }

    private Engine.ItemSpec toSpec(long seq, T item) {
        // The messages are built only when they are thrown: this runs once per item (twice at a start).
        if (item == null) {
            throw new ValidationException("item " + seq + " of the batch is null");
        }
        String k = key.apply(item);
        if (k == null || k.isEmpty()) {
            throw new ValidationException("the key of item " + seq + " (" + item + ") is " + (k == null ? "null" : "empty")
                    + "; every item needs a key");
        }
        String s = scope != null ? scope.apply(item) : httpScopes() ? httpScope(seq, k) : null;
        Object p = payload == null ? null : payload.apply(item);
        String json;
        try {
            json = p == null ? null : Json.MAPPER.writeValueAsString(p);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValidationException("the payload of item " + seq + " (" + k + ") cannot be written as JSON: "
                    + e.getOriginalMessage());
        }
        Engine.ItemSpec spec = new Engine.ItemSpec(k, json, s);
        if (orderTemplate != null) {
            return spec.withOrderKey(orderTemplate.scopeOf(spec));
        }
        if (orderScope != null) {
            String o = orderScope.apply(item);
            if (o == null || o.isEmpty()) {
                throw new ValidationException("the order scope of item " + seq + " (" + k + ") is " + (o == null ? "null" : "empty")
                        + "; .orderedBy(...) must give every item one");
            }
            return spec.withOrderKey(o);
        }
        return spec;
    }
}
