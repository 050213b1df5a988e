package dev.bulwark.cli;

import dev.bulwark.EngineEvent;
import dev.bulwark.JobListener;
import dev.bulwark.Progress;
import dev.bulwark.util.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends every engine event of a job to {@code logs/JOB/events.jsonl}, one JSON object a line
 * ({@code type}, {@code job}, {@code at}, {@code seq} and the event's data). The ledger remains the
 * record of truth; this file is for people and log shippers. A file that cannot be written (a full
 * disk) is Bulwark's fault, not the job's: it is reported to {@code faults} once, which pauses the
 * job (see {@link dev.bulwark.Engine#ioFault}).
 */
final class EventLog implements JobListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

    private final Function<UUID, Path> files;
    private final BiConsumer<UUID, String> faults;
    private UUID jobId;
    private Path file;
    private BufferedWriter out;
    private boolean failed;

    /** @param faults told (job, what failed) when a job's file cannot be written */
    EventLog(Function<UUID, Path> files, BiConsumer<UUID, String> faults) {
        this.files = files;
        this.faults = faults;
    }

    @Override
    public synchronized void onEvent(EngineEvent event) {
        if (failed && event.jobId().equals(jobId)) {
            return;
        }
        try {
            if (!event.jobId().equals(jobId)) {
                close();
                jobId = event.jobId();
                file = files.apply(jobId);
                out = null;
                failed = false;
            }
            if (out == null) {
                Files.createDirectories(file.getParent());
                out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", event.type());
            line.put("job", event.jobId().toString());
            line.put("at", event.at().toString());
            if (event.seq() > 0) {
                line.put("seq", event.seq());
            }
            line.putAll(event.data());
            out.write(Json.write(line));
            out.newLine();
        } catch (IOException e) {
            fault(e);
        }
    }

    private void fault(IOException e) {
        failed = true;
        LOG.debug("cannot write the event log {}", file, e);
        faults.accept(jobId, "cannot write the event log " + file + ": " + dev.bulwark.engine.OwnIoFault.reason(e));
    }

    @Override
    public synchronized void onProgress(Progress progress) {
        flush();
    }

    synchronized void flush() {
        if (out != null && !failed) {
            try {
                out.flush();
            } catch (IOException e) {
                fault(e);
            }
        }
    }

    @Override
    public synchronized void close() {
        flush();
        if (out != null) {
            try {
                out.close();
                out = null;
            } catch (IOException ignored) {
                // already reported by flush
            }
        }
    }
}
