package dev.bulwark.cli;

import dev.bulwark.Engine;
import dev.bulwark.Item;
import dev.bulwark.ItemStatus;
import dev.bulwark.Job;
import dev.bulwark.JobCounts;
import dev.bulwark.JobResult;
import dev.bulwark.JobStatus;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.util.Durations;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.ledger.ItemQuery;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * One process's hold on a home while it runs jobs: the home lock, the ledger (the home's SQLite
 * ledger, or the one {@code --store} names), the engine,
 * the event log and the progress display. While a job runs, SIGINT, SIGTERM and SIGHUP pause it (a
 * second press exits at once; signals within moments of each other are one press, see
 * {@link SignalPresses}), and requests that {@code bulwark cancel} or {@code bulwark pause} leave
 * in {@code control/} are carried out. The commands run in process groups of their own (see the
 * exec handler), so a terminal's Ctrl-C reaches Bulwark only, and the pause stops them.
 */
final class JobSession implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JobSession.class);
    private static final long CONTROL_POLL_MS = 200;
    private static final int FAILED_SHOWN = 5;

    private final Home home;
    private final PrintWriter err;
    private final Home.Lock lock;
    private final Ledger ledger;
    private final EventLog eventLog;
    private final ProgressPrinter progress;
    private final OutputPrinter output;
    private final JobLog jobLog;
    private final Engine engine;

    private JobSession(Home home, Store store, PrintWriter out, PrintWriter err, boolean showProgress, OutputOptions outputOptions) {
        this.home = home;
        this.err = err;
        // opened first: a joblog that cannot be written is refused before the home is locked
        this.jobLog = outputOptions == null || outputOptions.joblog == null ? null
                : new JobLog(outputOptions.joblog, home.logs().toAbsolutePath());
        this.lock = home.lock();
        Ledger opened = null;
        try {
            opened = store == null ? home.openWriter(lock) : store.openWriter(home.durability());
        } finally {
            if (opened == null) {
                lock.close();
            }
        }
        this.ledger = opened;
        this.eventLog = new EventLog(home::eventsFile, this::eventLogFault);
        this.progress = showProgress ? new ProgressPrinter(err, Terminal.stderrIsTerminal()) : null;
        Engine.Builder b = Engine.builder().ledger(ledger).worker(workerName()).logDirectory(home.logs().toAbsolutePath()).listener(eventLog);
        if (progress != null) {
            b.listener(progress);
        }
        OutputMode mode = outputOptions == null ? OutputMode.LOG : outputOptions.mode();
        this.output = mode == OutputMode.LOG ? null
                : new OutputPrinter(mode, outputOptions.tag(), out, home.logs().toAbsolutePath(), progress);
        if (output != null) {
            b.listener(output);
        }
        if (jobLog != null) {
            b.listener(jobLog);
        }
        this.engine = b.build();
    }

    /** A session on the home and the ledger the options chose ({@code --store}, else the home's own). */
    static JobSession open(HomeOptions options, PrintWriter out, PrintWriter err, boolean showProgress, OutputOptions output) {
        return new JobSession(options.resolve(), options.store(), out, err, showProgress, output);
    }

    Engine engine() {
        return engine;
    }

    Ledger ledger() {
        return ledger;
    }

    /** Records an event of this process (not of the engine) in the ledger, durably, and in the job's JSON-lines event log. */
    void record(dev.bulwark.EngineEvent event) {
        ledger.appendEvent(event).join();
        ledger.flush();
        eventLog.onEvent(event);
        eventLog.flush();
    }

    /** The exec handler recorded with a job, for resume and retry-failed. */
    ExecHandler handlerOf(Job job) {
        if (job.config().exec() == null) {
            throw new dev.bulwark.ValidationException("job " + job.id() + " was submitted through the Java API with its own "
                    + "handler; resume it from that program");
        }
        return new ExecHandler(job.config().exec());
    }

    /** The event log cannot be written: a running job pauses (its run then ends with exit 5); after the run, a warning. */
    private void eventLogFault(UUID jobId, String why) {
        if (!engine.ioFault(jobId, why)) {
            LOG.warn("{}; the events stay in the ledger", why);
        }
    }

    /**
     * Runs {@code action} for {@code jobId} with signal handling and control requests, prints the
     * summary and returns the exit code.
     */
    int execute(UUID jobId, Function<Engine, JobResult> action) {
        for (Home.Request r : Home.Request.values()) {
            ControlFiles.deleteQuietly(home.controlFile(jobId, r)); // left by a requester that gave up
        }
        SignalPresses signals = new SignalPresses();
        Map<Signal, SignalHandler> previous = new HashMap<>();
        for (String name : List.of("INT", "TERM", "HUP")) {
            try {
                Signal signal = new Signal(name);
                previous.put(signal, Signal.handle(signal, s -> onSignal(jobId, s, signals)));
            } catch (IllegalArgumentException e) {
                // signal not available on this platform
            }
        }
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bulwark-control");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::serveControlRequests, CONTROL_POLL_MS, CONTROL_POLL_MS, TimeUnit.MILLISECONDS);
        // On a shared ledger the requests may come from any machine: as notifications, served on the same thread.
        // Every process on the schema hears every request: each serves only those of the jobs it runs (a job
        // another process runs is that process's to stop), and ignores a request it does not know.
        AutoCloseable listening = ledger instanceof dev.bulwark.jdbc.PostgresLedger pg
                ? pg.onControlRequests((job, request, content) -> {
                    Home.Request known = Home.Request.parse(request);
                    if (known != null && engine.activeJobs().contains(job)) {
                        watcher.execute(() -> serve(job, known, content));
                    }
                })
                : null;
        if (output != null) {
            output.start(jobId);
        }
        JobResult result;
        try {
            result = action.apply(engine);
        } finally {
            previous.forEach(Signal::handle);
            closeQuietly(listening);
            watcher.shutdownNow();
            if (output != null) {
                output.finish();
            }
            if (jobLog != null) {
                jobLog.finish();
            }
            if (progress != null) {
                progress.finish();
            }
            eventLog.flush();
        }
        serveControlRequests(); // answer requests for other jobs that arrived at the very end
        printSummary(result);
        return ExitCodes.of(result.status());
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("cannot stop listening for requests: {}", e.getMessage());
            }
        }
    }

    private void onSignal(UUID jobId, Signal s, SignalPresses signals) {
        int press = signals.press();
        if (press == 0) {
            return; // the same press, signalled twice (timeout, a service manager)
        }
        if (press > 1) {
            err.println();
            err.println("bulwark: second SIG" + s.getName() + ": exiting now, running commands killed; their attempts are "
                    + "recorded as interrupted by 'bulwark resume " + jobId + "'");
            err.flush();
            ExecHandler.killRunningCommands();
            Runtime.getRuntime().halt(130);
        }
        if (progress != null) {
            progress.finish();
        }
        err.println("bulwark: SIG" + s.getName() + ": pausing job " + jobId + " (stopping running attempts; "
                + "press again to exit at once)");
        err.flush();
        engine.pause(jobId, "paused by SIG" + s.getName());
    }

    /** Carries out cancel and pause requests other processes left in control/. */
    private void serveControlRequests() {
        ControlFiles.serve(home, this::serve, warning -> err.println("bulwark: warning: " + warning));
    }

    private void serve(UUID jobId, Home.Request request, String content) {
        if (request == Home.Request.RESET_BREAKER) {
            if (engine.resetBreaker(jobId, content)) {
                err.println("bulwark: breaker of scope " + Views.printable(content) + " reset by bulwark breaker reset");
                err.flush();
            }
        } else if (request == Home.Request.PAUSE) {
            engine.pause(jobId, "paused by bulwark pause");
        } else if (!engine.activeJobs().contains(jobId)) {
            ledger.findJob(jobId).filter(j -> !j.status().isFinal())
                    .ifPresent(j -> engine.cancel(jobId, "cancelled by bulwark cancel"));
        } else {
            engine.cancel(jobId, "cancelled by bulwark cancel");
        }
    }

    private void printSummary(JobResult result) {
        Job job = result.job();
        JobCounts c = result.counts();
        err.println("bulwark: job " + job.id() + " (" + job.name() + ") " + job.status()
                + (job.reason() == null ? "" : ": " + job.reason()) + " in " + Durations.format(result.duration()));
        err.println("  succeeded " + c.succeeded() + ", failed " + c.failed() + ", skipped " + c.skipped()
                + (c.compensated() > 0 ? ", compensated " + c.compensated() : "")
                + " of " + c.total() + " items; " + c.retries() + " retries"
                + (c.interruptions() > 0 ? ", " + c.interruptions() + " interrupted attempts" : ""));
        if (c.failed() > 0) {
            List<Item> failed = ledger.items(job.id(), new ItemQuery(Set.of(ItemStatus.FAILED), 0, FAILED_SHOWN));
            for (Item item : failed) {
                err.println("  failed #" + item.seq() + " " + Views.printable(item.key()) + ": "
                        + (item.category() == null ? "" : item.category() + ": ") + Views.printable(item.message()));
            }
            if (c.failed() > failed.size()) {
                err.println("  ... and " + (c.failed() - failed.size()) + " more");
            }
        }
        err.println("  logs: " + home.jobLogs(job.id()));
        if (c.failed() > 0) {
            err.println("  review queue (" + c.failed() + " failed): bulwark export " + job.id() + " --status FAILED --format csv");
            if (c.compensated() == 0) {
                err.println("  run them again: bulwark retry-failed " + job.id());
            }
        }
        if (job.status() == JobStatus.PAUSED || job.status() == JobStatus.RUNNING) {
            err.println("  resume with: bulwark resume " + job.id());
        }
        if (job.status() == JobStatus.FAILED && c.skipped() > 0 && c.compensated() == 0) {
            if (job.reason() != null && job.reason().startsWith("breaker-open")) {
                for (var b : Views.openBreakers(ledger, job)) {
                    err.println("  breaker " + Views.printable(b.scope()) + " open " + Views.until(b.openUntil() == null
                            ? b.since() : b.openUntil()) + "; to go on before then: bulwark breaker reset " + job.id() + " '"
                            + b.scope().replace("'", "'\\''") + "'");
                }
            }
            err.println("  run the " + c.skipped() + " skipped item(s): bulwark resume " + job.id());
        }
        err.flush();
    }

    /** This process's name on attempts: {@code HOST:PID}. */
    static String workerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid();
    }

    @Override
    public void close() {
        try {
            engine.close();
            eventLog.close();
            ledger.close();
        } finally {
            lock.close();
        }
    }
}
