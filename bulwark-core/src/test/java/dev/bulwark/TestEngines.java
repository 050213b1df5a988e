package dev.bulwark;

import dev.bulwark.ledger.Ledger;
import java.util.List;
import java.util.Random;

/** Engines as the tests of this package build them: reproducible, and heard event by event. */
final class TestEngines {
    private TestEngines() {
    }

    /**
     * An engine on {@code ledger} and {@code clock}, with the tests' fixed random seed (its backoff
     * jitter repeats) and worker name {@code test}, that adds every event it emits to {@code events}.
     */
    static Engine.Builder recording(Ledger ledger, BulwarkClock clock, List<EngineEvent> events) {
        return Engine.builder().ledger(ledger).clock(clock).random(new Random(7)).worker("test")
                .listener(new JobListener() {
                    @Override
                    public void onEvent(EngineEvent event) {
                        events.add(event);
                    }
                });
    }
}
