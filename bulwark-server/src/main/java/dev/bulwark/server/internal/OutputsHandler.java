package dev.bulwark.server.internal;

import dev.bulwark.AttemptContext;
import dev.bulwark.AttemptResult;
import dev.bulwark.BulwarkClock;
import dev.bulwark.EngineEvent;
import dev.bulwark.ItemHandler;
import dev.bulwark.ledger.Ledger;
import java.nio.file.Files;

/**
 * Gives each item an empty output folder before its attempt, and records what a succeeded attempt
 * left there (name, size, SHA-256 of each file) in the ledger as an {@value #EVENT} event.
 */
record OutputsHandler(ItemHandler delegate, ItemOutputs outputs, Ledger ledger, BulwarkClock clock) implements ItemHandler {
    static final String EVENT = EngineEvent.ITEM_OUTPUTS;

    @Override
    public AttemptResult handle(AttemptContext ctx) throws Exception {
        Files.createDirectories(outputs.folder(ctx.seq()));
        AttemptResult result = delegate.handle(ctx);
        if (result.succeeded()) {
            ledger.appendEvent(new EngineEvent.ItemOutputs(ctx.jobId(), clock.now(), ctx.seq(), ctx.attempt(),
                    outputs.describe(ctx.seq()))).join();
        }
        return result;
    }
}
