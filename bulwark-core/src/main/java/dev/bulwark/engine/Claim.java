package dev.bulwark.engine;

import dev.bulwark.AttemptContext;
import dev.bulwark.Item;
import dev.bulwark.ItemHandler;
import dev.bulwark.JobConfig;
import dev.bulwark.StopReason;

/**
 * One claimed item on its way through the {@link Dispatcher}: claimed, run, decided, recorded.
 * A {@link DispatchPlug} makes its own kind (a local claim with its breaker permit, a lease),
 * carrying what it needs to record the outcome. Thread-safe.
 */
public abstract class Claim {
    private final Item item;
    private final JobConfig config;
    private final ItemHandler handler;
    private volatile AttemptContext context;
    private volatile Thread thread;
    private volatile boolean ended;

    /**
     * @param item    the item as claimed: RUNNING, under a fresh fence
     * @param config  the frozen configuration of the item's job
     * @param handler what runs the attempt
     */
    protected Claim(Item item, JobConfig config, ItemHandler handler) {
        this.item = java.util.Objects.requireNonNull(item, "item");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.handler = java.util.Objects.requireNonNull(handler, "handler");
    }

    /** The item as claimed: RUNNING, under a fresh fence. */
    public final Item item() {
        return item;
    }

    /** The frozen configuration of the item's job. */
    public final JobConfig config() {
        return config;
    }

    /** What runs the attempt. */
    public final ItemHandler handler() {
        return handler;
    }

    /** The running attempt's context, or null before it started. */
    public final AttemptContext context() {
        return context;
    }

    /** Whether the handler returned: what is left is recording the outcome. */
    public final boolean ended() {
        return ended;
    }

    /** Asks the attempt to stop (its thread is interrupted); only the first reason counts. */
    public final void stop(StopReason reason) {
        AttemptContext ctx = context;
        Thread t = thread;
        if (ctx != null && ctx.stop(reason) && t != null) {
            t.interrupt();
        }
    }

    final void started(AttemptContext ctx, Thread t) {
        this.context = ctx;
        this.thread = t;
    }

    final void end() {
        this.ended = true;
    }
}
