package dev.bulwark.jdbc.worker;

import dev.bulwark.ValidationException;
import dev.bulwark.util.Durations;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link Worker} runs. Immutable; build it with {@link #builder()}, which checks every value
 * and names a bad one.
 *
 * @param name        recorded on attempts and leases; unique among the workers of a ledger
 * @param concurrency attempts this worker runs at the same time
 * @param claimBatch  most items taken by one claim (one transaction)
 * @param lease       how long a claim lasts without a heartbeat, on the database clock;
 *                    heartbeats renew it every third of it; an attempt whose lease may have
 *                    expired is stopped by the worker itself ({@link Worker})
 * @param maxStalls   how many expired leases an item survives: the next one fails it as {@code stalled}
 * @param poll        longest an idle worker waits before looking for work without a notification
 * @param grace       on stop, how long running attempts may go on before they are interrupted
 */
public record WorkerOptions(String name, int concurrency, int claimBatch, Duration lease, int maxStalls,
                            Duration poll, Duration grace) {
    public static final int DEFAULT_CONCURRENCY = 4;
    public static final int DEFAULT_CLAIM_BATCH = 50;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_STALLS = 3;
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /** Shortest lease: heartbeats every third of it must still get through a busy database. */
    public static final Duration MIN_LEASE = Duration.ofMillis(300);

    public WorkerOptions {
        Objects.requireNonNull(name, "name");
        ValidationException.require(!name.isBlank() && name.length() <= 200,
                "the worker name must be 1 to 200 characters, but was '" + name + "'");
        ValidationException.require(concurrency >= 1 && concurrency <= 10_000,
                "--concurrency must be between 1 and 10000, but was " + concurrency);
        ValidationException.require(claimBatch >= 1 && claimBatch <= 1_000,
                "--claim-batch must be between 1 and 1000, but was " + claimBatch);
        ValidationException.require(lease.compareTo(MIN_LEASE) >= 0,
                "--lease must be at least " + Durations.format(MIN_LEASE) + ", but was " + Durations.format(lease));
        ValidationException.require(maxStalls >= 0 && maxStalls <= 1_000,
                "--max-stalls must be between 0 and 1000, but was " + maxStalls);
        ValidationException.require(!poll.isNegative() && !poll.isZero(),
                "--poll must be longer than 0, but was " + Durations.format(poll));
        ValidationException.require(!grace.isNegative(), "--grace must not be negative, but was " + Durations.format(grace));
    }

    /** The heartbeat period: a third of the lease, so two heartbeats may be lost before it expires. */
    public Duration heartbeat() {
        return lease.dividedBy(3);
    }

    /**
     * Defaults for the driver of a worker's ledger pool (parameters of the URL win): a claim or a
     * completion waiting for an answer on a dead connection gives up after a lease
     * ({@code socketTimeout}), a connection attempt after a heartbeat period ({@code connectTimeout}),
     * both in whole seconds, at least 1; and TCP keepalive. The heartbeats have a pool of their
     * own whose waits end within the heartbeat period (see {@link Worker}).
     *
     * <p>The server ends a session left idle inside a transaction for a lease
     * ({@code idle_in_transaction_session_timeout}, as {@code bulwark worker} and {@code serve --store}
     * set it): a worker cut off from the database in
     * the middle of a claim would otherwise keep that transaction's row locks (the job's row) for
     * as long as the server believes the connection alive, and no other worker could claim from
     * the job meanwhile. Worker transactions never wait between statements for longer.
     */
    public Map<String, String> driverDefaults() {
        return Map.of("socketTimeout", Long.toString(wholeSeconds(lease)), "connectTimeout",
                Long.toString(wholeSeconds(heartbeat())), "tcpKeepAlive", "true",
                "options", "-c idle_in_transaction_session_timeout=" + lease.toMillis());
    }

    private static long wholeSeconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds {@link WorkerOptions} from the defaults; not thread-safe. */
    public static final class Builder {
        private final String name;
        private int concurrency = DEFAULT_CONCURRENCY;
        private int claimBatch = DEFAULT_CLAIM_BATCH;
        private Duration lease = DEFAULT_LEASE;
        private int maxStalls = DEFAULT_MAX_STALLS;
        private Duration poll = DEFAULT_POLL;
        private Duration grace = DEFAULT_GRACE;

        private Builder(String name) {
            this.name = name;
        }

        public Builder concurrency(int value) {
            this.concurrency = value;
            return this;
        }

        public Builder claimBatch(int value) {
            this.claimBatch = value;
            return this;
        }

        public Builder lease(Duration value) {
            this.lease = Objects.requireNonNull(value, "lease");
            return this;
        }

        public Builder maxStalls(int value) {
            this.maxStalls = value;
            return this;
        }

        public Builder poll(Duration value) {
            this.poll = Objects.requireNonNull(value, "poll");
            return this;
        }

        public Builder grace(Duration value) {
            this.grace = Objects.requireNonNull(value, "grace");
            return this;
        }

        public WorkerOptions build() {
            return new WorkerOptions(name, concurrency, claimBatch, lease, maxStalls, poll, grace);
        }
    }
}
