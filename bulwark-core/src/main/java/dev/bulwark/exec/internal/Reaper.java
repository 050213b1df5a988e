package dev.bulwark.exec.internal;

import com.sun.jna.Native;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Waits for spawned commands to end and reaps them: one platform thread per running command,
 * blocked in {@code waitpid}, from a pool that keeps idle threads for a while (as the JDK's own
 * process reaper does). The attempt's virtual thread waits on the returned future and never blocks
 * in native code; the exit status comes with the reaping, so no zombie is left behind.
 */
final class Reaper {
    private static final long STACK_BYTES = 128 * 1024;
    private static final ExecutorService THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), task -> Thread.ofPlatform().daemon().name("bulwark-reaper").stackSize(STACK_BYTES)
                    .unstarted(task));

    private Reaper() {
    }

    /** Completes with the exit code of child {@code pid} (128 + N after a death by signal N; -1 if lost) once reaped. */
    static CompletableFuture<Integer> watch(int pid) {
        return CompletableFuture.supplyAsync(() -> reap(pid), THREADS);
    }

    private static int reap(int pid) {
        int[] status = new int[1]; // no native block (malloc, free and a JNA cleaner) per command
        int rc;
        do {
            rc = Posix.waitpid(pid, status, 0);
        } while (rc < 0 && Native.getLastError() == Posix.EINTR);
        if (rc != pid) {
            return -1; // reaped by someone else: its status is lost
        }
        int s = status[0];
        int signal = s & 0x7f;
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal;
    }
}
