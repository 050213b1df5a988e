package dev.bulwark.server.internal;

import dev.bulwark.util.FileNames;
import dev.bulwark.util.Glob;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Paths that a submission names inside a template's root: relative, without {@code ..}, and whose
 * real path (symbolic links resolved) stays inside the root's real path. Every refusal is a 422
 * naming the field and the path.
 */
final class RootedPaths {
    private final String rootName;
    private final Path root;

    /** @param root the root's real path */
    RootedPaths(String rootName, Path root) {
        this.rootName = rootName;
        this.root = root;
    }

    /** The real path of {@code relative} inside the root. */
    Path resolve(String relative, String field) {
        if (relative.isEmpty() || relative.indexOf('\0') >= 0) {
            throw Problem.unprocessable(field, field + " must be a non-empty path without NUL characters, relative to root '" + rootName + "'");
        }
        Path p;
        try {
            p = Path.of(relative);
        } catch (InvalidPathException e) {
            throw Problem.unprocessable(field, field + " is not a valid path: '" + relative + "'");
        }
        if (p.isAbsolute() || relative.startsWith("~")) {
            throw Problem.unprocessable(field, field + " must be relative to root '" + rootName + "', but was the absolute path '" + relative + "'");
        }
        for (Path part : p) {
            if (part.toString().equals("..")) {
                throw Problem.unprocessable(field, field + " must stay inside root '" + rootName + "', but '" + relative + "' contains '..'");
            }
        }
        Path real;
        try {
            real = root.resolve(p).toRealPath();
        } catch (NoSuchFileException e) {
            throw Problem.unprocessable(field, field + ": '" + relative + "' does not exist in root '" + rootName + "'");
        } catch (IOException e) {
            throw Problem.unprocessable(field, field + ": '" + relative + "' cannot be read: " + reason(e));
        }
        if (!real.startsWith(root)) {
            throw Problem.unprocessable(field, field + ": '" + relative + "' leads outside root '" + rootName + "' (through a symbolic link)");
        }
        return real;
    }

    /** A file inside the root. */
    Path file(String relative, String field) {
        Path real = resolve(relative, field);
        if (!Files.isRegularFile(real)) {
            throw Problem.unprocessable(field, field + ": '" + relative + "' is not a regular file");
        }
        return real;
    }

    /**
     * The regular files of a folder inside the root whose name (or, for a glob with {@code /}, path
     * below the folder) matches, as real paths sorted by the path they were found at, each once
     * (a file reached directly and through a link is one item). Entries that cannot be followed
     * (a dangling link, a link loop, a link leading outside the root, an unreadable folder) are
     * skipped, each with a warning naming it relative to the root. Stops after {@code limit + 1}
     * files, so a caller can tell that there are too many.
     */
    List<Path> list(String folder, String glob, boolean recursive, int limit, Consumer<String> warnings) {
        Path dir = resolve(folder.isEmpty() ? "." : folder, "folder");
        if (!Files.isDirectory(dir)) {
            throw Problem.unprocessable("folder", "folder: '" + folder + "' is not a folder");
        }
        Glob matcher;
        try {
            matcher = Glob.compile(glob);
        } catch (IllegalArgumentException e) {
            throw Problem.unprocessable("glob", "glob '" + glob + "' is not a valid glob pattern: " + e.getMessage());
        }
        boolean byPath = glob.contains("/");
        List<Path> entries = new ArrayList<>();
        try {
            Files.walkFileTree(dir, Set.of(), recursive ? Integer.MAX_VALUE : 1, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (!attrs.isDirectory()) {
                        entries.add(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    warnings.accept("skipped '" + relative(file) + "': " + reason(e));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw Problem.unprocessable("folder", "folder: '" + folder + "' cannot be listed: " + reason(e));
        }
        entries.sort(Comparator.comparing(Path::toString));
        Set<Path> found = new LinkedHashSet<>();
        for (Path f : entries) {
            if (found.size() > limit) {
                break;
            }
            if (!matcher.matches((byPath ? dir.relativize(f) : f.getFileName()).toString())) {
                continue;
            }
            try {
                FileNames.text(f); // a name that is not UTF-8 is kept as bytes; one holding U+EF80..U+EFFF cannot be
            } catch (IllegalArgumentException e) {
                warnings.accept("skipped '" + relative(f) + "': the name holds a character from U+EF80 to U+EFFF, which Bulwark"
                        + " reserves for the bytes of names that are not UTF-8");
                continue;
            }
            Path real;
            try {
                real = f.toRealPath();
            } catch (NoSuchFileException e) {
                warnings.accept("skipped '" + relative(f) + "': a symbolic link to a file that does not exist");
                continue;
            } catch (IOException e) {
                warnings.accept("skipped '" + relative(f) + "': " + reason(e));
                continue;
            }
            if (!real.startsWith(root)) {
                warnings.accept("skipped '" + relative(f) + "': a symbolic link that leads outside root '" + rootName + "'");
            } else if (Files.isRegularFile(real)) {
                found.add(real);
            }
        }
        return new ArrayList<>(found);
    }

    /** {@code path} (under the root) as the client named it: relative to the root, never the server's absolute path. */
    private String relative(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.getFileName().toString();
    }

    /**
     * Why a file operation failed, without the absolute paths that the exception's message holds
     * (the operating system's reason: "Not a directory", "Too many levels of symbolic links", ...).
     */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e instanceof NoSuchFileException ? "it does not exist" : "it cannot be read (" + e.getClass().getSimpleName() + ")";
    }
}
