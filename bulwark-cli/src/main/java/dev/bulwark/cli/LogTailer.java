package dev.bulwark.cli;

import dev.bulwark.cli.output.ItemLogFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows the item logs of one job ({@code --output line}): every few tens of milliseconds reads
 * what each log gained and hands on its complete lines, without Bulwark's header and trailer
 * lines. Output already in the logs when it starts (earlier runs of the job) is not repeated.
 */
final class LogTailer {
    private static final long POLL_MS = 50;
    private static final int CHUNK = 64 * 1024;

    private final Path directory;
    private final boolean tag;
    private final Consumer<String> sink;
    private final Map<Path, Tail> tails = new HashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bulwark-line-output");
        t.setDaemon(true);
        return t;
    });

    /** What is known of one log: how far it was read, the line being written, the key of its item. */
    private static final class Tail {
        long offset;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        String key;
    }

    LogTailer(Path directory, boolean tag, Consumer<String> sink) {
        this.directory = directory;
        this.tag = tag;
        this.sink = sink;
    }

    void start() {
        for (Path file : logFiles()) {
            Tail t = new Tail();
            try {
                t.offset = Files.size(file);
            } catch (IOException e) {
                t.offset = 0;
            }
            tails.put(file, t);
        }
        poller.scheduleWithFixedDelay(this::pollQuietly, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops following, after one last read; a line left without its newline is printed with one. */
    void stop() {
        poller.shutdown();
        try {
            poller.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pollQuietly();
        for (Tail t : tails.values()) {
            if (t.partial.size() > 0) {
                line(t, t.partial.toString(StandardCharsets.UTF_8) + "\n");
                t.partial.reset();
            }
        }
    }

    private synchronized void pollQuietly() {
        for (Path file : logFiles()) {
            Tail t = tails.computeIfAbsent(file, f -> new Tail());
            try {
                read(file, t);
            } catch (IOException e) {
                // a log that cannot be read now is read at the next poll
            }
        }
    }

    private void read(Path file, Tail t) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            while (true) {
                buffer.clear();
                int n = channel.read(buffer, t.offset);
                if (n <= 0) {
                    return;
                }
                t.offset += n;
                byte[] bytes = buffer.array();
                for (int i = 0; i < n; i++) {
                    t.partial.write(bytes[i]);
                    if (bytes[i] == '\n') {
                        line(t, t.partial.toString(StandardCharsets.UTF_8));
                        t.partial.reset();
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // pruned under us
        }
    }

    private void line(Tail t, String line) {
        if (ItemLogFile.isHeader(line)) {
            t.key = ItemLogFile.keyOf(line.strip());
            return;
        }
        if (ItemLogFile.isTrailer(line)) {
            return;
        }
        sink.accept(OutputPrinter.tagged(line, tag ? (t.key == null ? "" : t.key) : null));
    }

    private Iterable<Path> logFiles() {
        if (!Files.isDirectory(directory)) {
            return java.util.List.of();
        }
        java.util.List<Path> files = new java.util.ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.log")) {
            stream.forEach(files::add);
        } catch (IOException e) {
            // the next poll tries again
        }
        return files;
    }
}
