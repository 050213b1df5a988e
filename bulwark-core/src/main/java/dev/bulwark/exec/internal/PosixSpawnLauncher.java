package dev.bulwark.exec.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.bulwark.util.FileNames;
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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * <p>The command is reaped once it ended, with its exit status, by a {@link Reaper} thread, so an
 * attempt's virtual thread never blocks in native code.
 *
 * <p>Per attempt, the argument and environment arrays, the attempt's own variables, the file
 * actions and the log path go into one native block, given back as soon as the child started (and
 * reused by a later start); the base environment is encoded once per launcher.
 *
 * <p>Arguments and the attempt's variables are passed as bytes: the bytes of a file name that is
 * not UTF-8 (kept as U+EF80 to U+EFFF in the key, see {@link FileNames}) reach the command exactly.
 */
final class PosixSpawnLauncher implements Launcher {
    /** Java encodes process arguments in the platform encoding; so does this launcher. */
    private static final Charset CHARSET = platformCharset();
    private static final byte[] DEV_NULL = "/dev/null".getBytes(StandardCharsets.US_ASCII);
    private static final int OUTPUT_MODE = 0666; // before the umask, as a shell's '>>' creates files

    /** Commands started and not reaped yet, of every launcher: for {@link #killAll()}. */
    private static final Set<Integer> RUNNING = ConcurrentHashMap.newKeySet();

    /** The smallest native block made for a start: enough for most commands, so that blocks can be reused. */
    private static final long MIN_BLOCK_BYTES = 8 * 1024;
    /** How many native blocks of finished starts are kept for later ones. */
    private static final int SPARE_BLOCKS = 8;

    private final Memory baseBlock;
    private final long[] baseAddresses;
    /**
     * Native blocks of starts that are over, reused by later starts: a malloc, a free and a JNA
     * cleaner registration less per command.
     */
    private final BlockingQueue<Memory> spareBlocks = new ArrayBlockingQueue<>(SPARE_BLOCKS);

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
            args[i] = FileNames.bytes(argv.get(i), CHARSET); // a name that is not UTF-8 gets its own bytes back
            strings += args[i].length + 1;
        }
        byte[][] env = new byte[attemptEnv.size()][];
        int e = 0;
        for (Map.Entry<String, String> entry : attemptEnv.entrySet()) {
            env[e] = FileNames.bytes(entry.getKey() + "=" + entry.getValue(), CHARSET);
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
        Memory block = takeBlock(stringsAt + strings);
        try {
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
                return new PosixChild(pid);
            } finally {
                Posix.posix_spawn_file_actions_destroy(actions);
            }
        } finally {
            // posix_spawn returns once the child has exec'd (or failed to): nothing reads the block any more
            if (!spareBlocks.offer(block)) {
                block.close();
            }
        }
    }

    /** A native block of at least {@code size} bytes: a spare one when it is large enough. */
    private Memory takeBlock(long size) {
        Memory spare = spareBlocks.poll();
        if (spare != null) {
            if (spare.size() >= size) {
                return spare;
            }
            spare.close();
        }
        return new Memory(Math.max(size, MIN_BLOCK_BYTES));
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

    /** A spawned command, reaped by the {@link Reaper} with its exit status. */
    private static final class PosixChild implements Child {
        private final int pid;
        private final CompletableFuture<Integer> exit;

        PosixChild(int pid) {
            this.pid = pid;
            this.exit = Reaper.watch(pid).whenComplete((code, error) -> RUNNING.remove(pid));
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public Optional<ProcessHandle> handle() {
            // found while not reaped (a zombie at worst)
            return isAlive() ? ProcessHandle.of(pid) : Optional.empty();
        }

        @Override
        public boolean ownGroup() {
            return true;
        }

        @Override
        public int waitFor() throws InterruptedException {
            try {
                return exit.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot wait for process " + pid, e.getCause());
            }
        }

        @Override
        public int waitFor(Duration max) throws InterruptedException {
            try {
                return exit.get(max.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return -1;
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot wait for process " + pid, e.getCause());
            }
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }
    }
}
