package dev.bulwark.engine;

import dev.bulwark.AttemptResult;
import dev.bulwark.ErrorClass;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * An attempt that could not run because a file of Bulwark's own (its item log) could not be
 * written. The handler reports it as a result of category {@value #CATEGORY}; the engine does not
 * count it against the item but pauses the job (see {@code JobRunner}), because the same fault
 * would fail every item that follows.
 */
public final class OwnIoFault {
    /** The category of such a result; the attempt is recorded as interrupted. */
    public static final String CATEGORY = "bulwark-io";

    private OwnIoFault() {
    }

    /** The result of an attempt whose item log {@code file} could not be written. */
    public static AttemptResult itemLog(Path file, Throwable cause) {
        return AttemptResult.failure(ErrorClass.TRANSIENT, CATEGORY, "cannot write the item log " + file + ": " + reason(cause));
    }

    /** Whether {@code result} reports a fault of Bulwark's own rather than of the item. */
    public static boolean is(AttemptResult result) {
        return !result.succeeded() && CATEGORY.equals(result.category());
    }

    /** The system's reason ("No space left on device"), without the path that the exception's message repeats. */
    public static String reason(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (t instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
