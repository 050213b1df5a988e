package dev.bulwark.exec.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Terminates a process and all its descendants: TERM to every process of the tree, a grace period
 * for them to exit, then KILL to whatever is left.
 *
 * <p>Java can only find descendants through their parent links, and a process whose parent died
 * is re-parented (to init or a subreaper) and leaves the tree. So the tree is snapshotted
 * <em>before</em> any signal is sent, every process that was ever seen is remembered, the
 * descendants of every surviving process are looked up again while waiting (to catch children
 * forked meanwhile, for example by a loop that ignores TERM), and in the KILL phase each process's
 * descendants are collected just before it is killed. What this cannot catch is a process that
 * detached itself (double fork, {@code setsid}) before the first snapshot: that needs process
 * groups or cgroups, which Java does not offer.
 *
 * <p>A zombie (exited, not yet reaped by its parent) counts as gone: in containers whose PID 1
 * does not reap orphans, killed grandchildren stay zombies forever, and
 * {@link ProcessHandle#isAlive()} reports them alive. See {@link #isRunning(ProcessHandle)}.
 */
public final class ProcessTree {
    private static final long MAX_POLL_NANOS = 50_000_000L;
    /** How long to wait for processes to disappear after KILL before giving up. */
    private static final long AFTER_KILL_NANOS = 2_000_000_000L;
    private static final boolean PROC = Files.isDirectory(Path.of("/proc/self"));

    private ProcessTree() {
    }

    /**
     * Starts terminating {@code process} and its descendants on a virtual thread and returns at
     * once; the future completes when the tree is gone (or, after KILL, when waiting longer would
     * not help). Never blocks the caller, so it is safe to call from a stop callback.
     */
    public static CompletableFuture<Void> terminate(Process process, Duration grace) {
        return terminate(process.toHandle(), grace);
    }

    /** As {@link #terminate(Process, Duration)}, for any process handle. */
    public static CompletableFuture<Void> terminate(ProcessHandle root, Duration grace) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("bulwark-terminate-" + root.pid()).start(() -> {
            try {
                terminateAndWait(root, grace);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    /**
     * Terminates the tree on the calling thread: blocks for up to the grace period (plus a moment
     * after KILL). If interrupted, it kills at once, and returns with the interrupt flag set.
     */
    public static void terminateAndWait(ProcessHandle root, Duration grace) {
        Map<Long, ProcessHandle> known = new LinkedHashMap<>();
        known.put(root.pid(), root);
        // snapshot first: once the root dies, its children are no longer its descendants
        root.descendants().forEach(p -> known.putIfAbsent(p.pid(), p));
        boolean interrupted = false;
        long graceNanos = grace == null ? 0 : grace.toNanos();
        if (graceNanos > 0) {
            for (ProcessHandle p : List.copyOf(known.values())) {
                destroy(p, false);
            }
            long deadline = System.nanoTime() + graceNanos;
            long pause = 1_000_000L;
            while (true) {
                // children forked since the last look get TERM too
                for (ProcessHandle p : List.copyOf(known.values())) {
                    if (p.isAlive()) {
                        p.descendants().forEach(d -> {
                            if (known.putIfAbsent(d.pid(), d) == null) {
                                destroy(d, false);
                            }
                        });
                    }
                }
                if (noneRunning(known)) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    sleepNanos(Math.min(pause, left));
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
                pause = Math.min(pause * 2, MAX_POLL_NANOS);
            }
        }
        killAll(known);
        long deadline = System.nanoTime() + AFTER_KILL_NANOS;
        long pause = 1_000_000L;
        while (!noneRunning(known) && System.nanoTime() < deadline && !interrupted) {
            try {
                sleepNanos(pause);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            pause = Math.min(pause * 2, MAX_POLL_NANOS);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** KILL every known process, collecting each one's descendants just before killing it. */
    private static void killAll(Map<Long, ProcessHandle> known) {
        Deque<ProcessHandle> work = new ArrayDeque<>(known.values());
        Map<Long, ProcessHandle> killed = new LinkedHashMap<>();
        while (!work.isEmpty()) {
            ProcessHandle p = work.poll();
            if (killed.putIfAbsent(p.pid(), p) != null || !p.isAlive()) {
                continue;
            }
            List<ProcessHandle> children = new ArrayList<>();
            p.descendants().forEach(children::add);
            destroy(p, true);
            for (ProcessHandle child : children) {
                known.putIfAbsent(child.pid(), child);
                work.add(child);
            }
        }
    }

    private static void destroy(ProcessHandle p, boolean force) {
        try {
            if (force) {
                p.destroyForcibly();
            } else {
                p.destroy();
            }
        } catch (IllegalStateException | SecurityException ignored) {
            // the current process, or not ours to signal: nothing more can be done
        }
    }

    private static boolean noneRunning(Map<Long, ProcessHandle> known) {
        for (ProcessHandle p : known.values()) {
            if (isRunning(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code p} is alive and not a zombie. On Linux a process that exited but was not reaped
     * yet still has an entry; this reads its state from {@code /proc/PID/stat}.
     */
    public static boolean isRunning(ProcessHandle p) {
        return p.isAlive() && !isZombie(p.pid());
    }

    /** Whether the process {@code pid} exists and is running (not a zombie). */
    public static boolean isRunning(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && isRunning(p.get());
    }

    private static boolean isZombie(long pid) {
        if (!PROC) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length()) {
                return false;
            }
            char state = stat.charAt(close + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(Duration.ofNanos(nanos));
    }
}
