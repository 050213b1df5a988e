package dev.bulwark.exec.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few C library calls the {@code exec} handler needs and Java does not offer: {@code posix_spawn}
 * with a process group and file actions, {@code waitpid}, and {@code kill} of a process group.
 * Bound through JNA's direct mapping (a JNI stub per method, no reflection per call).
 *
 * <p>{@link #AVAILABLE} is true only on Linux with a C library that has
 * {@code posix_spawn_file_actions_addclosefrom_np} (glibc 2.34 and later): without it the child
 * would inherit every file descriptor the JVM holds (the ledger, sockets, pipes), since the JVM
 * does not open all of them close-on-exec. Elsewhere, or when JNA cannot load its native part
 * (a {@code noexec} temporary directory, for example), the handler falls back to
 * {@link ProcessBuilder}.
 *
 * <p>The structure sizes below are upper bounds: glibc's {@code posix_spawnattr_t} is 336 bytes,
 * {@code posix_spawn_file_actions_t} 80 and {@code sigset_t} 128 on 64-bit Linux.
 */
final class Posix {
    private static final Logger LOG = LoggerFactory.getLogger(Posix.class);

    static final int SPAWNATTR_SIZE = 1024;
    static final int FILE_ACTIONS_SIZE = 256;
    static final int SIGSET_SIZE = 256;

    // Linux values (asm-generic and x86 agree)
    static final short POSIX_SPAWN_SETPGROUP = 0x02;
    static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0x40;
    static final int O_APPEND = 0x400;
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final int ESRCH = 3;
    static final int EINTR = 4;

    /** Whether the calls below can be used. */
    static final boolean AVAILABLE = register();

    private Posix() {
    }

    private static boolean register() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || Boolean.getBoolean("bulwark.exec.jdkLauncher")) {
            return false;
        }
        try {
            NativeLibrary libc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
            libc.getFunction("posix_spawn_file_actions_addclosefrom_np"); // glibc 2.34+
            Native.register(Posix.class, libc);
            return true;
        } catch (LinkageError | RuntimeException e) {
            // JNA missing, its native library not loadable, or an older C library: the JDK launcher remains.
            LOG.debug("posix_spawn through JNA is unavailable, commands are started through ProcessBuilder", e);
            return false;
        }
    }

    static native int posix_spawnp(Pointer pid, Pointer file, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

    static native int posix_spawn_file_actions_init(Pointer fileActions);

    static native int posix_spawn_file_actions_destroy(Pointer fileActions);

    static native int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, Pointer path, int oflag, int mode);

    static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    static native int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    static native int posix_spawnattr_init(Pointer attr);

    static native int posix_spawnattr_setflags(Pointer attr, short flags);

    static native int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

    static native int posix_spawnattr_setsigmask(Pointer attr, Pointer set);

    static native int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

    static native int sigemptyset(Pointer set);

    static native int sigfillset(Pointer set);

    /** {@code status} is an {@code int[1]}: passed without a native allocation (direct mapping copies it in and out). */
    static native int waitpid(int pid, int[] status, int options);

    static native int kill(int pid, int signal);

    static native String strerror(int errno);
}
