package dev.bulwark.breaker;

import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.ErrorClass;
import dev.bulwark.ExceptionClassifier;
import dev.bulwark.util.FailureClassifier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A circuit breaker around any call, outside batches: synchronous ({@link #call}, {@link #run})
 * and asynchronous ({@link #callAsync}). While the breaker is open a call fails fast with a
 * {@link BreakerOpenException} and is not made; when half-open, the policy's trial calls go
 * through one at a time (by default one) and decide whether it closes. Exceptions are classified
 * as a batch's handler exceptions are (Bulwark's own {@code TransientException} and siblings,
 * then the {@link Builder#classify} rules, then {@link Builder#otherExceptions}), and the policy
 * counts them by class and category ({@link BreakerPolicy#withCounting}).
 *
 * <p>Its state lives in a {@link BreakerStore}: a ledger's ({@code Engine.breaker(name, policy)},
 * or {@link Builder#store(BreakerStore)} with {@code ledger.breakers()}), shared with every job
 * run with {@code --breaker-shared} whose scope has this name and with every other process on
 * that ledger; or an in-process store of its own. Thread-safe.
 *
 * <pre>{@code
 * NamedBreaker m1 = engine.breaker("m1", BreakerPolicy.failures(3, Duration.ofSeconds(60)));
 * String out = m1.call(() -> client.send("m1", command));           // throws BreakerOpenException while open
 * CompletableFuture<String> f = m1.callAsync(() -> client.sendAsync("m1", command));
 * }</pre>
 */
public final class NamedBreaker {
    private final Breaker breaker;
    private final BulwarkClock clock;
    private final FailureClassifier classifier;

    private NamedBreaker(Builder b) {
        this.breaker = new StoredBreaker(b.store != null ? b.store : new MemoryBreakerStore(), b.name, b.policy);
        this.clock = b.clock;
        this.classifier = new FailureClassifier(b.classifiers, b.otherExceptions);
    }

    /** A builder of the breaker {@code name} with {@code policy} (used only if the store does not have it yet). */
    public static Builder builder(String name, BreakerPolicy policy) {
        return new Builder(name, policy);
    }

    /** An in-process breaker, with the system clock and the default classification. */
    public static NamedBreaker inMemory(String name, BreakerPolicy policy) {
        return builder(name, policy).build();
    }

    public String name() {
        return breaker.scope();
    }

    /** The policy the breaker applies: the one kept with it in its store. */
    public BreakerPolicy policy() {
        return breaker.policy();
    }

    /** Its state now. */
    public CircuitBreaker.State state() {
        return breaker.state(clock.now());
    }

    /** Until when it stays open ({@link BreakerState#UNTIL_RESET}: until reset), or null when it is not open. */
    public Instant openUntil() {
        return breaker.openUntil();
    }

    /** Closes the breaker by hand; false when it was closed. */
    public boolean reset() {
        return breaker.reset(clock.now()).isPresent();
    }

    /** Opens the breaker by hand until it is reset (maintenance), with {@code reason}. */
    public void forceOpen(String reason) {
        breaker.forceOpen(clock.now(), BreakerState.UNTIL_RESET, reason);
    }

    /** Opens the breaker by hand for {@code duration} (maintenance), with {@code reason}; then a trial decides. */
    public void forceOpen(Duration duration, String reason) {
        Instant now = clock.now();
        breaker.forceOpen(now, now.plus(duration), reason);
    }

    /**
     * Calls {@code call} through the breaker: its result, or its exception as thrown (a checked
     * one wrapped in a {@link CompletionException}).
     *
     * @throws BreakerOpenException when the breaker refused the call (it was not made)
     */
    public <T> T call(Callable<T> call) {
        Objects.requireNonNull(call, "call");
        CircuitBreaker.Permit permit = acquire();
        Instant start = clock.now();
        T result;
        try {
            result = call.call();
        } catch (Throwable e) {
            failed(permit, start, e);
            throw rethrow(e);
        }
        breaker.onSuccess(permit, clock.now(), Duration.between(start, clock.now()));
        return result;
    }

    /** Runs {@code run} through the breaker, as {@link #call}. */
    public void run(Runnable run) {
        Objects.requireNonNull(run, "run");
        call(() -> {
            run.run();
            return null;
        });
    }

    /**
     * Starts {@code call} through the breaker and records its outcome when the stage completes;
     * the returned future completes after the breaker has counted it. A refused call gives a
     * future failed with {@link BreakerOpenException}, and {@code call} is not invoked. A
     * cancelled stage counts neither way.
     */
    public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
        Objects.requireNonNull(call, "call");
        CircuitBreaker.Permit permit;
        try {
            permit = acquire();
        } catch (BreakerOpenException e) {
            return CompletableFuture.failedFuture(e);
        }
        Instant start = clock.now();
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(call.get(), "the call returned no CompletionStage");
        } catch (Throwable e) {
            failed(permit, start, e);
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            try {
                if (error == null) {
                    breaker.onSuccess(permit, clock.now(), Duration.between(start, clock.now()));
                } else {
                    failed(permit, start, unwrap(error));
                }
            } catch (RuntimeException e) {
                out.completeExceptionally(e); // the store failed: say so rather than hide it
                return;
            }
            if (error == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(unwrap(error));
            }
        });
        return out;
    }

    private CircuitBreaker.Permit acquire() {
        CircuitBreaker.Permit permit = breaker.tryAcquire(clock.now(), t -> {
        });
        if (!permit.permitted()) {
            throw new BreakerOpenException(breaker.scope(), permit.openUntil());
        }
        return permit;
    }

    private void failed(CircuitBreaker.Permit permit, Instant start, Throwable e) {
        if (e instanceof CancellationException || e instanceof InterruptedException) {
            breaker.release(permit);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        AttemptResult r = classifier.toResult(e);
        Instant now = clock.now();
        breaker.onFailure(permit, now, r.errorClass(), r.category(), r.category() + (r.message() == null ? "" : " " + r.message()));
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static RuntimeException rethrow(Throwable e) {
        if (e instanceof RuntimeException r) {
            return r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        return new CompletionException(e);
    }

    @Override
    public String toString() {
        return "NamedBreaker[" + name() + "]";
    }

    /** Builds a {@link NamedBreaker}. */
    public static final class Builder {
        private final String name;
        private final BreakerPolicy policy;
        private BreakerStore store;
        private BulwarkClock clock = BulwarkClock.system();
        private final List<ExceptionClassifier> classifiers = new ArrayList<>();
        private ErrorClass otherExceptions = ErrorClass.TRANSIENT;

        private Builder(String name, BreakerPolicy policy) {
            dev.bulwark.ValidationException.require(name != null && !name.isBlank() && name.length() <= 500,
                    "a breaker name must be 1 to 500 characters, but was '" + name + "'");
            this.name = name;
            this.policy = Objects.requireNonNull(policy, "policy");
        }

        /** Where the state lives: a ledger's {@code breakers()} to share it; default: a store of its own in this process. */
        public Builder store(BreakerStore value) {
            this.store = Objects.requireNonNull(value, "store");
            return this;
        }

        /** The clock of open times and windows (tests: a settable clock). */
        public Builder clock(BulwarkClock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Classifies {@code type} and its subclasses as {@code errorClass} with {@code category}, as a batch does. */
        public Builder classify(Class<? extends Throwable> type, ErrorClass errorClass, String category) {
            return classify(ExceptionClassifier.of(type, errorClass, category));
        }

        /** Adds a classifier; the first that knows an exception (or one of its causes) wins. */
        public Builder classify(ExceptionClassifier value) {
            classifiers.add(Objects.requireNonNull(value, "classifier"));
            return this;
        }

        /** The class of exceptions no classifier knows (category {@code exception}). Default: transient. */
        public Builder otherExceptions(ErrorClass value) {
            this.otherExceptions = Objects.requireNonNull(value, "otherExceptions");
            return this;
        }

        public NamedBreaker build() {
            return new NamedBreaker(this);
        }
    }
}
