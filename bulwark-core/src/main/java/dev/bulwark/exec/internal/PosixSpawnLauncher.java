package dev.bulwark.exec.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the command with one {@code posix_spawnp} call: no helper process in between (the JDK's
 * default launch execs {@code jspawnhelper}, which then execs the command: two execs per attempt),
 * no pipe and no pumping thread (the child opens the log file itself, in append mode, as its stdout
 * and stderr), every descriptor above 2 closed, every signal at its default action and none
 * blocked, and the child at the head of a new process group ({@code POSIX_SPAWN_SETPGROUP}): a
 * terminal's Ctrl-C, {@code timeout} or a shell's job control signal Bulwark's group, not the
 * commands, and Bulwark stops them itself (TERM to the group, a grace period, KILL).
 *
 * <p>The command is reaped once it ended (its exit status read with {@code waitpid}): the JDK's
 * process reaper threads notice the exit ({@link ProcessHandle#onExit()}, which waits without
 * reaping), so an attempt's virtual thread never blocks in native code.
 *
 * <p>Per attempt, the argument and environment arrays, the attempt's own variables, the file
 * actions and the log path go into one native block, freed as soon as the child started; the base
 * environment is encoded once per launcher.
 */
final class PosixSpawnLauncher implements Launcher {
    /** Java encodes process arguments in the platform encoding; so does this launcher. */
    private static final Charset CHARSET = platformCharset();
    private static final byte[] DEV_NULL = "/dev/null".getBytes(StandardCharsets.US_ASCII);
    private static final int OUTPUT_MODE = 0666; // before the umask, as a shell's '>>' creates files

    /** Commands started and not reaped yet, of every launcher: for {@link #killAll()}. */
    private static final Set<Integer> RUNNING = ConcurrentHashMap.newKeySet();

    private final Memory baseBlock;
    private final long[] baseAddresses;

    PosixSpawnLauncher(Map<String, String> base, Set<String> reserved) {
        List<byte[]> entries = new ArrayList<>();
        base.forEach((name, value) -> {
            if (!reserved.contains(name)) {
                entries.add((name + "=" + value).getBytes(CHARSET));
            }
        });
        long size = 1;
        for (byte[] entry : entries) {
            size += entry.length + 1;
        }
        this.baseBlock = new Memory(size);
        this.baseAddresses = new long[entries.size()];
        long offset = 0;
        for (int i = 0; i < entries.size(); i++) {
            baseAddresses[i] = Pointer.nativeValue(baseBlock) + offset;
            offset = putString(baseBlock, offset, entries.get(i));
        }
    }

    /** Whether this launcher works here (Linux, glibc 2.34+, JNA loadable, 64-bit). */
    static boolean isAvailable() {
        return Posix.AVAILABLE && Native.POINTER_SIZE == 8 && Attributes.SHARED != null;
    }

    @Override
    public boolean ownGroups() {
        return true;
    }

    /**
     * SIGKILL to the process group of every command still running, for a process about to exit
     * without waiting for them (a second Ctrl-C): in groups of their own, they would go on running.
     */
    static void killAll() {
        for (int pid : RUNNING) {
            Posix.kill(-pid, Posix.SIGKILL);
        }
    }

    @Override
    public Child start(List<String> argv, Map<String, String> attemptEnv, Path output) throws IOException {
        byte[][] args = new byte[argv.size()][];
        long strings = DEV_NULL.length + 1;
        for (int i = 0; i < args.length; i++) {
            args[i] = argv.get(i).getBytes(CHARSET);
            strings += args[i].length + 1;
        }
        byte[][] env = new byte[attemptEnv.size()][];
        int e = 0;
        for (Map.Entry<String, String> entry : attemptEnv.entrySet()) {
            env[e] = (entry.getKey() + "=" + entry.getValue()).getBytes(CHARSET);
            strings += env[e++].length + 1;
        }
        byte[] out = output == null ? null : output.toString().getBytes(CHARSET);
        if (out != null) {
            strings += out.length + 1;
        }
        // layout: pid (8) | argv pointers | envp pointers | file actions | strings
        long argvAt = 8;
        long envAt = argvAt + 8L * (args.length + 1);
        long actionsAt = envAt + 8L * (baseAddresses.length + env.length + 1);
        long stringsAt = actionsAt + Posix.FILE_ACTIONS_SIZE;
        try (Memory block = new Memory(stringsAt + strings)) {
            long address = Pointer.nativeValue(block);
            long at = stringsAt;
            for (int i = 0; i < args.length; i++) {
                block.setLong(argvAt + 8L * i, address + at);
                at = putString(block, at, args[i]);
            }
            block.setLong(argvAt + 8L * args.length, 0);
            for (int i = 0; i < baseAddresses.length; i++) {
                block.setLong(envAt + 8L * i, baseAddresses[i]);
            }
            for (int i = 0; i < env.length; i++) {
                block.setLong(envAt + 8L * (baseAddresses.length + i), address + at);
                at = putString(block, at, env[i]);
            }
            block.setLong(envAt + 8L * (baseAddresses.length + env.length), 0);
            long devNullAt = at;
            at = putString(block, at, DEV_NULL);
            long outAt = at;
            if (out != null) {
                putString(block, at, out);
            }
            Pointer actions = block.share(actionsAt);
            check(Posix.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try {
                check(Posix.posix_spawn_file_actions_addopen(actions, 0, block.share(devNullAt), Posix.O_RDONLY, 0), "addopen");
                check(out == null
                        ? Posix.posix_spawn_file_actions_addopen(actions, 1, block.share(devNullAt), Posix.O_WRONLY, 0)
                        : Posix.posix_spawn_file_actions_addopen(actions, 1, block.share(outAt),
                                Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, OUTPUT_MODE), "addopen");
                check(Posix.posix_spawn_file_actions_adddup2(actions, 1, 2), "adddup2");
                check(Posix.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom_np");
                int rc = Posix.posix_spawnp(block, block.share(stringsAt), actions, Attributes.SHARED,
                        block.share(argvAt), block.share(envAt));
                if (rc != 0) {
                    throw new IOException(Posix.strerror(rc));
                }
                int pid = block.getInt(0);
                RUNNING.add(pid);
                return PosixChild.of(pid);
            } finally {
                Posix.posix_spawn_file_actions_destroy(actions);
            }
        }
    }

    private static void check(int rc, String call) throws IOException {
        if (rc != 0) {
            throw new IOException(call + ": " + Posix.strerror(rc));
        }
    }

    /** Writes {@code bytes} and a NUL at {@code offset}; returns the offset after them. */
    private static long putString(Memory block, long offset, byte[] bytes) {
        block.write(offset, bytes, 0, bytes.length);
        block.setByte(offset + bytes.length, (byte) 0);
        return offset + bytes.length + 1;
    }

    private static Charset platformCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * The spawn attributes, the same for every command (posix_spawn only reads them): a new
     * process group, an empty signal mask, every signal at its default action.
     */
    private static final class Attributes {
        static final Memory SHARED = create();

        private static Memory create() {
            if (!Posix.AVAILABLE) {
                return null;
            }
            Memory attr = new Memory(Posix.SPAWNATTR_SIZE);
            Memory none = new Memory(Posix.SIGSET_SIZE);
            Memory all = new Memory(Posix.SIGSET_SIZE);
            boolean ok = Posix.posix_spawnattr_init(attr) == 0
                    && Posix.sigemptyset(none) == 0
                    && Posix.sigfillset(all) == 0
                    && Posix.posix_spawnattr_setflags(attr,
                            (short) (Posix.POSIX_SPAWN_SETPGROUP | Posix.POSIX_SPAWN_SETSIGMASK | Posix.POSIX_SPAWN_SETSIGDEF)) == 0
                    && Posix.posix_spawnattr_setpgroup(attr, 0) == 0
                    && Posix.posix_spawnattr_setsigmask(attr, none) == 0
                    && Posix.posix_spawnattr_setsigdefault(attr, all) == 0;
            return ok ? attr : null;
        }
    }

    /** A spawned command: the JDK notices its exit, then it is reaped here with its status. */
    private static final class PosixChild implements Child {
        private final int pid;
        private final ProcessHandle handle;
        private final CompletableFuture<?> exited;
        private int exitCode = -1;
        private boolean reaped;

        private PosixChild(int pid, ProcessHandle handle, CompletableFuture<?> exited) {
            this.pid = pid;
            this.handle = handle;
            this.exited = exited;
        }

        static PosixChild of(int pid) {
            // An unreaped child stays visible (as a zombie at worst), so it is always found.
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent()) {
                return new PosixChild(pid, handle.get(), handle.get().onExit());
            }
            // not expected: /proc hidden from us; wait on a platform thread of our own instead
            CompletableFuture<Void> exited = new CompletableFuture<>();
            PosixChild child = new PosixChild(pid, null, exited);
            Thread.ofPlatform().daemon().name("bulwark-reaper-" + pid).start(() -> {
                child.reap();
                exited.complete(null);
            });
            return child;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public ProcessHandle handle() {
            return handle != null ? handle : ProcessHandle.of(pid).orElse(ProcessHandle.current());
        }

        @Override
        public boolean ownGroup() {
            return true;
        }

        @Override
        public int waitFor() throws InterruptedException {
            try {
                exited.get();
            } catch (ExecutionException e) {
                // not expected: onExit does not fail; fall through to waitpid, which blocks until the end
            }
            return reap();
        }

        @Override
        public int waitFor(Duration max) throws InterruptedException {
            try {
                exited.get(max.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return -1;
            } catch (ExecutionException e) {
                // as above
            }
            return reap();
        }

        @Override
        public boolean isAlive() {
            return !exited.isDone();
        }

        /** Reaps the child (once) and returns its exit code, 128 + N for a death by signal N. */
        private synchronized int reap() {
            if (reaped) {
                return exitCode;
            }
            try (Memory status = new Memory(8)) {
                status.setInt(0, 0);
                int rc;
                do {
                    rc = Posix.waitpid(pid, status, 0);
                } while (rc < 0 && Native.getLastError() == Posix.EINTR);
                if (rc == pid) {
                    int s = status.getInt(0);
                    int signal = s & 0x7f;
                    exitCode = signal == 0 ? (s >> 8) & 0xff : 128 + signal;
                } else {
                    exitCode = -1; // reaped by someone else: its status is lost
                }
                reaped = true;
                RUNNING.remove(pid);
                return exitCode;
            }
        }
    }
}
