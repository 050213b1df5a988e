package dev.bulwark.cli;

import dev.bulwark.BulwarkException;
import dev.bulwark.ValidationException;
import dev.bulwark.jdbc.worker.WorkerOptions;
import dev.bulwark.ledger.Ledger;
import dev.bulwark.server.BulwarkServer;
import dev.bulwark.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code bulwark serve}: the REST API and the worker pool over the home's ledger, until SIGTERM or
 * SIGINT, which shut it down gracefully (running attempts get the configured grace period, the
 * rest is paused and continues at the next start). With {@code --store postgresql://…} the jobs go
 * to the workers of the shared ledger, and the process runs one worker itself.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves the REST API (/api/v1) and the web dashboard (/), and runs the submitted jobs with the home's ledger.",
                "Jobs come only from the templates of the configuration file; see docs/service.md.",
                "SIGTERM or SIGINT: stop taking work, let running attempts finish within server.shutdown-grace, "
                        + "pause the rest (a second signal exits at once).",
                "With --store postgresql://HOST[:PORT]/DB?user=NAME: jobs go to the workers of that shared ledger "
                        + "(bulwark worker --store on any machine), and this process runs one worker too."},
        footer = {"", "Examples:", "  bulwark serve --config examples/service/bulwark.yaml --port 8080",
                "  bulwark serve --config examples/service/bulwark.yaml --store postgresql://db:5432/bulwark?user=bulwark"})
public final class ServeCommand extends HomeCommand {
    private static final long CONTROL_POLL_MS = 200;
    @Mixin
    LogOptions logOptions;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "bulwark.yaml",
            description = "The service configuration (YAML): templates, tokens, tiers. Default: ${DEFAULT-VALUE}.")
    Path config;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port, 0 for any free one (default: server.port of the configuration, else 8080).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: server.bind, else 127.0.0.1). "
            + "Anything but loopback needs tokens in the configuration.")
    String bind;

    @Option(names = "--worker-concurrency", paramLabel = "N",
            description = "With --store: items the in-process worker runs at the same time (default: server.workers of the configuration).")
    Integer workerConcurrency;

    @Override
    @SuppressWarnings("try") // the lock is held by the try block, not used in it
    public Integer call() throws InterruptedException {
        PrintWriter err = logOptions.start(err());
        ValidationException.require(Files.isRegularFile(config), "--config " + config
                + ": no such file; give the service configuration (see examples/service/bulwark.yaml)");
        ValidationException.require(port == null || (port >= 0 && port <= 65_535),
                "--port must be between 0 and 65535, but was " + port);
        ServerConfig loaded = ServerConfig.load(config);
        ServerConfig effective = loaded.withListen(bind, port == null ? loaded.port() : port);
        Store store = homeOptions.store();
        ValidationException.require(store == null || store.postgres(), "serve --store needs the shared ledger of the workers: "
                + "--store postgresql://HOST[:PORT]/DATABASE?user=NAME, but --store was " + store);
        ValidationException.require(workerConcurrency == null || store != null, "--worker-concurrency needs --store");
        WorkerOptions workerOptions = store == null ? null : WorkerOptions.builder(JobSession.workerName())
                .concurrency(workerConcurrency == null ? effective.workers() : workerConcurrency)
                .grace(effective.shutdownGrace()).build();
        Home home = homeOptions.resolve();
        CountDownLatch stop = new CountDownLatch(1);
        SignalPresses signals = new SignalPresses();
        try (Home.Lock lock = home.lock(); Ledger ledger = store == null ? home.openWriter(lock)
                // as for bulwark worker: a session stopped in a transaction must not hold its locks beyond the lease
                : store.openPostgres("idle_in_transaction_session_timeout=" + workerOptions.lease().toMillis())) {
            BulwarkServer.Builder builder = BulwarkServer.builder().config(effective).ledger(ledger)
                    .logDirectory(home.logs().toAbsolutePath());
            BulwarkServer server = (workerOptions == null ? builder : builder.sharedLedger(workerOptions)).build();
            for (String name : List.of("INT", "TERM")) {
                Signal.handle(new Signal(name), s -> {
                    int press = signals.press();
                    if (press == 0) {
                        return; // the same press, signalled twice (timeout, a service manager)
                    }
                    if (press > 1) {
                        err.println("bulwark: second SIG" + s.getName() + ": exiting now; running jobs continue at the next start");
                        err.flush();
                        Runtime.getRuntime().halt(130);
                    }
                    err.println("bulwark: SIG" + s.getName() + ": shutting down (running attempts have "
                            + dev.bulwark.util.Durations.format(effective.shutdownGrace()) + " to finish; press again to exit at once)");
                    err.flush();
                    stop.countDown();
                });
            }
            try {
                server.start();
            } catch (io.javalin.util.JavalinBindException e) {
                server.shutdown(java.time.Duration.ZERO);
                throw new BulwarkException("cannot listen on " + effective.bind() + ":" + effective.port() + ": "
                        + rootMessage(e) + " (choose another with --port or --bind)", e);
            }
            err.println("bulwark: serving http://" + hostForUrl(effective.bind()) + ":" + server.port() + "/api/v1 (home "
                    + home.dir() + ", " + effective.templates().size() + " template(s), "
                    + (effective.tokens().isEmpty() ? "no tokens: loopback only, every request anonymous" : effective.tokens().size() + " token(s)")
                    + (store == null ? ", " + effective.workers() + " worker(s))"
                    : ", jobs run by the workers of " + store + ", this one with concurrency " + workerOptions.concurrency() + ")"));
            err.println("bulwark: dashboard http://" + hostForUrl(effective.bind()) + ":" + server.port() + "/"
                    + (effective.tokens().isEmpty() ? "" : " (sign in with a token)"));
            err.flush();
            // bulwark cancel / pause from another terminal leave their requests in control/
            ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bulwark-control");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(() -> ControlFiles.serve(home, (jobId, request, content) -> {
                switch (request) {
                    case PAUSE -> server.pause(jobId);
                    case CANCEL -> server.cancel(jobId);
                    case RESET_BREAKER -> server.resetBreaker(jobId, content);
                }
            }, warning -> {
                err.println("bulwark: warning: " + warning);
                err.flush();
            }), CONTROL_POLL_MS, CONTROL_POLL_MS, TimeUnit.MILLISECONDS);
            stop.await();
            watcher.shutdownNow();
            server.close();
            err.println(store == null ? "bulwark: stopped; paused jobs continue at the next 'bulwark serve'"
                    : "bulwark: stopped; items it had not finished run again on the other workers");
            err.flush();
        }
        return ExitCodes.COMPLETED;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
