package dev.bulwark.exec.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
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
 * descendants are collected just before it is killed.
 *
 * <p>When the root leads a process group of its own (a {@link Child} started by
 * {@link PosixSpawnLauncher}), the group is signalled as well ({@code kill(-pgid, ...)}) and its
 * members are looked up in {@code /proc} while waiting: that also reaches a process that left the
 * tree (a double fork) but stayed in the group. What neither can catch is a process that made a
 * session or group of its own ({@code setsid}); that needs cgroups.
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
        return terminate(root, grace, 0);
    }

    /** As {@link #terminate(Process, Duration)}, for a started command (and its group, if it has one). */
    public static CompletableFuture<Void> terminate(Child child, Duration grace) {
        long group = child.ownGroup() && Posix.AVAILABLE ? child.pid() : 0;
        // a root that ended meanwhile may still have left members of its group
        return terminate(child.handle().orElse(null), grace, group);
    }

    private static CompletableFuture<Void> terminate(ProcessHandle root, Duration grace, long group) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("bulwark-terminate-" + (root == null ? group : root.pid())).start(() -> {
            try {
                terminateAndWait(root, grace, group);
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
        terminateAndWait(root, grace, 0);
    }

    /**
     * As {@link #terminateAndWait(ProcessHandle, Duration)}; {@code group} &gt; 0 is a process group
     * to signal too, and {@code root} may then be null (it ended already).
     */
    private static void terminateAndWait(ProcessHandle root, Duration grace, long group) {
        Map<Long, ProcessHandle> known = new LinkedHashMap<>();
        if (root != null) {
            known.put(root.pid(), root);
            // snapshot first: once the root dies, its children are no longer its descendants
            root.descendants().forEach(p -> known.putIfAbsent(p.pid(), p));
        }
        addGroupMembers(known, group);
        boolean interrupted = false;
        long graceNanos = grace == null ? 0 : grace.toNanos();
        if (graceNanos > 0) {
            signalGroup(group, Posix.SIGTERM);
            for (ProcessHandle p : List.copyOf(known.values())) {
                destroy(p, false);
            }
            long deadline = System.nanoTime() + graceNanos;
            long pause = 1_000_000L;
            while (true) {
                addGroupMembers(known, group); // members forked since the last look got the group's TERM
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
        signalGroup(group, Posix.SIGKILL);
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

    private static void signalGroup(long group, int signal) {
        if (group > 0) {
            Posix.kill((int) -group, signal); // ESRCH when the whole group is gone already: nothing to do
        }
    }

    /** Adds the running members of process group {@code group} (read from {@code /proc}) to {@code known}. */
    private static void addGroupMembers(Map<Long, ProcessHandle> known, long group) {
        if (group <= 0 || !PROC) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (!known.containsKey(pid) && processGroupOf(pid) == group) {
                    ProcessHandle.of(pid).ifPresent(p -> known.putIfAbsent(pid, p));
                }
            }
        } catch (IOException | RuntimeException e) {
            // /proc unreadable: the group signals still reach every member
        }
    }

    /** The process group of {@code pid} from {@code /proc/PID/stat} (the third field after the name), or -1. */
    private static long processGroupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
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
