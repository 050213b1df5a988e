package dev.bulwark.cli;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.cli.output.ItemLogFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Prints the commands' output on standard output, read back from the item logs (so it works
 * whatever writes the logs): in {@link OutputMode#GROUP} the output of the attempt that ended an
 * item, as one block, when the item ends; in {@link OutputMode#LINE} each line as it is written
 * ({@link LogTailer}). Writing happens on one thread of its own, so a slow reader of standard
 * output never holds up the engine; {@link #finish()} prints what is left.
 */
final class OutputPrinter implements JobListener {
    private static final long FINISH_WAIT_SECONDS = 60;

    private final OutputMode mode;
    private final boolean tag;
    private final PrintWriter out;
    private final Path logs;
    private final ProgressPrinter progress;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bulwark-output");
        t.setDaemon(true);
        return t;
    });
    private LogTailer tailer;

    OutputPrinter(OutputMode mode, boolean tag, PrintWriter out, Path logs, ProgressPrinter progress) {
        this.mode = mode;
        this.tag = tag;
        this.out = out;
        this.logs = logs;
        this.progress = progress;
    }

    /** Starts following the job's logs (line mode). */
    synchronized void start(UUID jobId) {
        if (mode == OutputMode.LINE) {
            tailer = new LogTailer(logs.resolve(jobId.toString()), tag, this::print);
            tailer.start();
        }
    }

    @Override
    public void onEvent(EngineEvent event) {
        if (mode != OutputMode.GROUP) {
            return;
        }
        int attempt = switch (event) {
            case EngineEvent.ItemSucceeded s -> s.attempt();
            case EngineEvent.ItemFailed f -> f.attempt(); // 0: failed without an attempt (an open breaker)
            default -> 0;
        };
        if (attempt > 0) {
            Path file = logs.resolve(event.jobId().toString()).resolve(event.seq() + ".log");
            try {
                writer.execute(() -> printBlock(file, attempt));
            } catch (java.util.concurrent.RejectedExecutionException afterFinish) {
                // an outcome committed after the run returned (a pause that a full disk forced): printed here
                printBlock(file, attempt);
            }
        }
    }

    private void printBlock(Path file, int attempt) {
        ItemLogFile.Section section;
        try {
            section = ItemLogFile.attempt(file, attempt);
        } catch (IOException e) {
            print("bulwark: cannot read the item log " + file + ": " + e.getMessage() + "\n");
            return;
        }
        if (section == null || section.output().isEmpty()) {
            return;
        }
        String key = tag ? ItemLogFile.keyOf(section.header()) : null;
        print(tagged(section.output(), key));
    }

    /** {@code text} with a newline at its end and, with a key, each line prefixed by the key and a tab. */
    static String tagged(String text, String key) {
        String body = text.endsWith("\n") ? text : text + "\n";
        if (key == null) {
            return body;
        }
        String prefix = Views.printable(key) + "\t";
        StringBuilder sb = new StringBuilder(body.length() + 16);
        int from = 0;
        while (from < body.length()) {
            int nl = body.indexOf('\n', from);
            sb.append(prefix).append(body, from, nl + 1);
            from = nl + 1;
        }
        return sb.toString();
    }

    private void print(String text) {
        Runnable write = () -> {
            out.print(text);
            out.flush();
        };
        if (progress != null) {
            progress.around(write);
        } else {
            synchronized (this) {
                write.run();
            }
        }
    }

    /** Prints what is left: the blocks of items that ended, and in line mode the last lines. */
    void finish() {
        LogTailer t;
        synchronized (this) {
            t = tailer;
            tailer = null;
        }
        if (t != null) {
            t.stop();
        }
        writer.shutdown();
        try {
            writer.awaitTermination(FINISH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
