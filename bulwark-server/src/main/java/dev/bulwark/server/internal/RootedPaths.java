package dev.bulwark.server.internal;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

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
            throw Problem.unprocessable(field, field + ": '" + relative + "' cannot be read: " + e.getMessage());
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
     * below the folder) matches, sorted by path; files reached through links that leave the root
     * are left out. Stops after {@code limit + 1} files, so a caller can tell that there are too many.
     */
    List<Path> list(String folder, String glob, boolean recursive, int limit) {
        Path dir = resolve(folder.isEmpty() ? "." : folder, "folder");
        if (!Files.isDirectory(dir)) {
            throw Problem.unprocessable("folder", "folder: '" + folder + "' is not a folder");
        }
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw Problem.unprocessable("glob", "glob '" + glob + "' is not a valid glob pattern: " + e.getMessage());
        }
        boolean byPath = glob.contains("/");
        List<Path> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir, recursive ? Integer.MAX_VALUE : 1, EnumSet.noneOf(FileVisitOption.class)
                .toArray(FileVisitOption[]::new))) {
            var it = walk.filter(f -> !f.equals(dir)).sorted(Comparator.comparing(Path::toString)).iterator();
            while (it.hasNext() && found.size() <= limit) {
                Path f = it.next();
                Path name = byPath ? dir.relativize(f) : f.getFileName();
                if (!matcher.matches(name) || Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Path real = f.toRealPath();
                if (real.startsWith(root) && Files.isRegularFile(real)) {
                    found.add(real);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw Problem.unprocessable("folder", "folder: '" + folder + "' cannot be listed: " + e.getMessage());
        }
        return found;
    }
}
