package dev.bulwark.cli;

import dev.bulwark.Attempt;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.NotFoundException;
import dev.bulwark.ValidationException;
import dev.bulwark.cli.output.ItemLogFile;
import dev.bulwark.ledger.ItemQuery;
import dev.bulwark.ledger.Ledger;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bulwark log JOB SEQ}: prints an item's log, one attempt of it, or follows it while it runs; {@code --failed}: the failed items' last attempts. */
@Command(name = "log", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints the log of item SEQ of a job: every attempt's header line, the command's output and the "
                + "trailer line with its exit code and outcome (read-only: works while the job runs).",
                "With --failed, the last attempt of every FAILED item, in sequence order."},
        footer = {"", "Examples:", "  bulwark log b6df 7", "  bulwark log b6df 7 --attempt 2", "  bulwark log b6df 7 --follow",
                "  bulwark log b6df --failed"})
public final class LogCommand extends JobCommand {
    private static final long FOLLOW_POLL_MS = 200;
    private static final int PAGE = 500;
    private static final int MAX_READ = 1 << 20;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SEQ", description = "The item's sequence number (see bulwark export).")
    Long seq;

    @Option(names = "--attempt", paramLabel = "N", description = "Only attempt N: its header, output and trailer.")
    Integer attempt;

    @Option(names = "--follow", description = "Keep printing what the log gains until the item has its final outcome "
            + "(or the job stops running).")
    boolean follow;

    @Option(names = "--failed", description = "The last attempt of every FAILED item of the job (no SEQ).")
    boolean failed;

    @Override
    public Integer call() throws IOException {
        ValidationException.require(failed != (seq != null), failed
                ? "--failed prints every failed item: give no SEQ (or leave out --failed)"
                : "give the item's SEQ (its sequence number, see bulwark export JOB), or --failed");
        ValidationException.require(!failed || (attempt == null && !follow), "--attempt and --follow go with one item: bulwark log JOB SEQ");
        ValidationException.require(attempt == null || attempt >= 1, "--attempt must be 1 or more, but was " + attempt);
        ValidationException.require(attempt == null || !follow, "--follow prints the whole log as it grows; leave out --attempt");
        Home home = homeOptions.resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (Ledger ledger = homeOptions.openReader()) {
            Job found = jobIn(ledger);
            if (failed) {
                printFailed(ledger, home, found, out);
            } else {
                Item item = ledger.findItem(found.id(), seq).orElseThrow(() -> new NotFoundException("job " + found.id()
                        + " has no item #" + seq + " (it has " + found.total() + " items)"));
                Path file = logFile(ledger, home, item);
                if (follow) {
                    follow(ledger, found, item, file, out);
                } else if (attempt != null) {
                    ItemLogFile.Section section = ItemLogFile.attempt(file, attempt);
                    if (section == null) {
                        throw new NotFoundException("the log of item #" + seq + " has no attempt " + attempt + " (the item has had "
                                + item.attempts() + " attempt(s); log " + file + ")");
                    }
                    printSection(section, out);
                } else {
                    requireExists(file, item);
                    long offset = 0;
                    long next;
                    while ((next = copy(file, offset, out, true)) > offset) {
                        offset = next;
                    }
                }
            }
            out.flush();
            return ExitCodes.COMPLETED;
        }
    }

    private void printFailed(Ledger ledger, Home home, Job found, PrintWriter out) throws IOException {
        long after = 0;
        int shown = 0;
        while (true) {
            List<Item> page = ledger.items(found.id(), new ItemQuery(Set.of(ItemStatus.FAILED), after, PAGE));
            for (Item item : page) {
                Path file = logFile(ledger, home, item);
                List<ItemLogFile.Section> sections = ItemLogFile.read(file);
                if (sections.isEmpty()) {
                    // failed without an attempt (a breaker failed it at once): say why instead
                    out.println("# bulwark seq=" + item.seq() + " item=" + Views.printable(item.key()) + ": no attempt ran: "
                            + (item.category() == null ? "" : item.category() + ": ") + Views.printable(item.message()));
                } else {
                    printSection(sections.get(sections.size() - 1), out);
                }
                shown++;
                after = item.seq();
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        if (shown == 0) {
            spec.commandLine().getErr().println("bulwark: job " + found.id() + " has no failed items");
            spec.commandLine().getErr().flush();
        }
    }

    private static void printSection(ItemLogFile.Section section, PrintWriter out) {
        out.println(section.header());
        out.print(section.output());
        if (!section.output().isEmpty() && !section.output().endsWith("\n")) {
            out.println();
        }
        if (section.trailer() != null) {
            out.println(section.trailer());
        }
    }

    /** The log file the ledger recorded for the item's last attempt, else where this home keeps it. */
    private static Path logFile(Ledger ledger, Home home, Item item) {
        if (item.logPath() != null) {
            return Path.of(item.logPath());
        }
        List<Attempt> attempts = ledger.attempts(item.jobId(), item.seq());
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (attempts.get(i).logPath() != null) {
                return Path.of(attempts.get(i).logPath());
            }
        }
        return home.jobLogs(item.jobId()).resolve(item.seq() + ".log");
    }

    private static void requireExists(Path file, Item item) {
        if (!Files.exists(file)) {
            throw new NotFoundException("item #" + item.seq() + " has no log at " + file + (item.attempts() == 0
                    ? " (it has not run yet)" : " (items run by workers keep their logs on the worker's machine)"));
        }
    }

    /** Prints the log and what it gains until the item is final or the job stops running. */
    private void follow(Ledger ledger, Job job, Item item, Path file, PrintWriter out) throws IOException {
        long offset = 0;
        while (true) {
            Item now = ledger.findItem(job.id(), item.seq()).orElse(item);
            boolean running = ledger.findJob(job.id()).map(j -> j.status() == dev.bulwark.JobStatus.RUNNING).orElse(false);
            boolean done = now.status().isFinal() || !running;
            if (Files.exists(file)) {
                long next;
                while ((next = copy(file, offset, out, done)) > offset) {
                    offset = next;
                }
            }
            if (done) {
                return;
            }
            try {
                Thread.sleep(FOLLOW_POLL_MS); // polling a file and the ledger: nothing to wait on across processes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Prints the text of {@code file} from byte {@code offset}: everything with {@code toEnd}, else up
     * to its last complete line (so a character is never cut in two). Returns the new offset.
     */
    private static long copy(Path file, long offset, PrintWriter out, boolean toEnd) throws IOException {
        byte[] bytes;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size <= offset) {
                return offset;
            }
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(Math.min(size - offset, MAX_READ)));
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // read on
            }
            bytes = Arrays.copyOf(buffer.array(), buffer.position());
        }
        int length = bytes.length;
        if (!toEnd) {
            while (length > 0 && bytes[length - 1] != '\n') {
                length--;
            }
        }
        out.print(new String(bytes, 0, length, StandardCharsets.UTF_8));
        out.flush();
        return offset + length;
    }
}
