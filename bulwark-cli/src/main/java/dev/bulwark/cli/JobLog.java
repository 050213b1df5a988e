package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.cli.output.ItemLogFile;
import dev.bulwark.util.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code --joblog FILE}: one line per finished attempt in GNU parallel's joblog format (tab
 * separated {@code Seq Host Starttime JobRuntime Send Receive Exitval Signal Command}), beside the
 * ledger, for tools that read parallel's joblogs. Written on a thread of its own; {@link #finish()}
 * writes what is left.
 */
final class JobLog implements JobListener {
    static final String HEADER = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";
    private static final Map<String, Integer> SIGNALS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("ABRT", 6), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("SEGV", 11), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15));

    private final BufferedWriter writer;
    private final Path logs;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bulwark-joblog");
        t.setDaemon(true);
        return t;
    });

    /** Opens {@code file}: a new file (or an empty one) gets the header; an existing joblog is appended to. */
    JobLog(Path file, Path logs) {
        this.logs = logs;
        try {
            boolean fresh = !Files.exists(file) || Files.size(file) == 0;
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (fresh) {
                writer.write(HEADER);
                writer.flush();
            }
        } catch (IOException e) {
            throw new BulwarkException("--joblog " + file + ": cannot write: " + Home.describe(e), e);
        }
    }

    @Override
    public void onEvent(EngineEvent event) {
        // Attempts that ended (not interruptions, which do not count, nor failures without an attempt).
        if (event instanceof EngineEvent.AttemptEnded a && !(a instanceof EngineEvent.ItemInterrupted) && a.attempt() > 0) {
            thread.execute(() -> write(a));
        }
    }

    private void write(EngineEvent.AttemptEnded event) {
        long ms = event.duration() == null ? 0 : event.duration().toMillis();
        double start = (event.at().toEpochMilli() - ms) / 1000.0;
        String category = event.category() == null ? "" : event.category();
        int signal = category.startsWith("signal:") ? SIGNALS.getOrDefault(category.substring(7), 0) : 0;
        int exitval = event.exitCode() != null ? event.exitCode() : event instanceof EngineEvent.ItemSucceeded ? 0 : -1;
        String line = String.format(Locale.ROOT, "%d\t:\t%.3f\t%10.3f\t0\t0\t%d\t%d\t%s%n", event.seq(), start, ms / 1000.0,
                exitval, signal, Views.printable(command(event)));
        try {
            writer.write(line);
            writer.flush();
        } catch (IOException e) {
            // the ledger holds every attempt; a joblog that cannot be written loses only this copy
        }
    }

    /** The attempt's command as its log header recorded it, quoted for a shell. */
    private String command(EngineEvent.AttemptEnded event) {
        try {
            ItemLogFile.Section s = ItemLogFile.attempt(logs.resolve(event.jobId().toString()).resolve(event.seq() + ".log"),
                    event.attempt());
            int at = s == null ? -1 : s.header().indexOf(" command=[");
            if (at >= 0) {
                List<?> argv = Json.read(s.header().substring(at + " command=".length()), List.class);
                return ShellQuote.line(argv.stream().map(String::valueOf).toList());
            }
        } catch (IOException | RuntimeException e) {
            // fall through: the key stands for the command
        }
        return String.valueOf(event.key());
    }

    void finish() {
        thread.shutdown();
        try {
            thread.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.close();
        } catch (IOException e) {
            // nothing more to write
        }
    }
}
