package dev.bulwark.bench.peers;

import java.util.concurrent.CountDownLatch;

/** The job JobRunr runs in the peer harness: counts down, nothing else. Public: JobRunr calls it by reflection. */
public final class NoopJob {
    private static volatile CountDownLatch executed = new CountDownLatch(0);

    private NoopJob() {
    }

    static CountDownLatch expect(long items) {
        executed = new CountDownLatch(Math.toIntExact(items));
        return executed;
    }

    /** Does nothing but count. */
    public static void run(String item) {
        executed.countDown();
    }
}
