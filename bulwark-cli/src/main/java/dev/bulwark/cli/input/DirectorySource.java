package dev.bulwark.cli.input;

import dev.bulwark.BulwarkException;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.ValidationException;
import dev.bulwark.util.FileNames;
import dev.bulwark.util.Glob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

/**
 * The regular files of a directory ({@code --input DIR}), optionally recursive and filtered by a
 * glob, in a stable order (sorted by name, directory by directory). The item key is the file's
 * path as reached from {@code DIR} as given on the command line; a name that is not UTF-8 keeps
 * its bytes exactly (see {@link FileNames}: shown {@code caf\xe9.txt}, passed to the command as
 * the file system holds it).
 *
 * <p>Inputs are confined to their root: a symbolic link is followed only when its target lies
 * inside {@code DIR}; links that lead out of it, and linked directories, are skipped (and
 * reported). Only one directory listing is held in memory at a time.
 */
public final class DirectorySource implements ItemSource {
    private final Path root;
    private final Path realRoot;
    private final String glob;
    private final boolean recursive;
    private final Glob matcher;
    private final boolean matchRelativePath;
    private final Consumer<String> warnings;

    public DirectorySource(Path root, String glob, boolean recursive, Consumer<String> warnings) {
        this.root = root;
        this.glob = glob == null ? "*" : glob;
        this.recursive = recursive;
        this.warnings = warnings;
        if (!Files.exists(root)) {
            throw new ValidationException("--input " + root + ": no such directory");
        }
        if (!Files.isDirectory(root)) {
            throw new ValidationException("--input " + root + ": not a directory (use --items FILE for a list of items)");
        }
        if (!Files.isReadable(root)) {
            throw new ValidationException("--input " + root + ": permission denied");
        }
        try {
            this.realRoot = root.toRealPath();
            this.matcher = Glob.compile(this.glob);
        } catch (IOException e) {
            throw new ValidationException("--input " + root + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("--glob '" + glob + "' is not a valid glob pattern: " + e.getMessage());
        }
        this.matchRelativePath = this.glob.contains("/");
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("type", "directory");
        d.put("dir", root.toString());
        d.put("glob", glob);
        d.put("recursive", Boolean.toString(recursive));
        return d;
    }

    @Override
    public String defaultName() {
        Path name = realRoot.getFileName();
        return name == null ? realRoot.toString() : name.toString();
    }

    @Override
    public Cursor open() {
        return new Walk();
    }

    private boolean matches(Path file) {
        Path relative = matchRelativePath ? root.relativize(file) : file.getFileName();
        return relative != null && matcher.matches(relative.toString());
    }

    private static List<Path> list(Path dir) {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                entries.add(p);
            }
        } catch (IOException e) {
            throw new BulwarkException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        return entries;
    }

    private final class Walk implements Cursor {
        private final Deque<Iterator<Path>> stack = new ArrayDeque<>();
        /** The key of the next file. */
        private String next;

        Walk() {
            stack.push(list(root).iterator());
        }

        @Override
        public boolean hasNext() {
            while (next == null && !stack.isEmpty()) {
                Iterator<Path> top = stack.peek();
                if (!top.hasNext()) {
                    stack.pop();
                    continue;
                }
                Path p = top.next();
                try {
                    accept(p);
                } catch (UncheckedIOException e) {
                    warnings.accept("skipped " + p + ": " + e.getCause().getMessage());
                }
            }
            return next != null;
        }

        private void accept(Path p) {
            String key;
            try {
                key = FileNames.text(p); // a name that is not UTF-8 keeps its bytes (see FileNames)
            } catch (IllegalArgumentException e) {
                warnings.accept("skipped " + e.getMessage());
                return;
            }
            if (Files.isSymbolicLink(p)) {
                Path target;
                try {
                    target = p.toRealPath();
                } catch (IOException e) {
                    warnings.accept("skipped " + FileNames.escape(key) + ": broken symbolic link");
                    return;
                }
                if (!target.startsWith(realRoot)) {
                    warnings.accept("skipped " + FileNames.escape(key) + ": symbolic link leads outside " + root);
                    return;
                }
                if (Files.isRegularFile(target) && matches(p)) {
                    next = key;
                }
                return; // linked directories are not followed (no cycles, no escapes)
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (recursive) {
                    stack.push(list(p).iterator());
                }
                return;
            }
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && matches(p)) {
                next = key;
            }
        }

        @Override
        public ItemSpec next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            String key = next;
            next = null;
            return ItemSpec.of(key);
        }

        @Override
        public void close() {
            stack.clear();
        }
    }
}
