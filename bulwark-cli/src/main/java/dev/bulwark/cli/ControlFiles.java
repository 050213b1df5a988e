package dev.bulwark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The process that holds a home carries out the requests that {@code bulwark cancel}, {@code bulwark
 * pause} and {@code bulwark breaker reset} leave in {@code control/} ({@code JOB.cancel},
 * {@code JOB.pause}, {@code JOB.reset-breaker} holding the scope):
 * each request is handed over once and its file removed, whatever the outcome (the requester
 * waits for the file to go, then reads the job's status from the ledger).
 */
final class ControlFiles {

    private ControlFiles() {
    }

    /** What the process that holds the home does with one request. */
    @FunctionalInterface
    interface Action {
        /**
         * @param content what the request file holds (the scope of a breaker reset)
         */
        void serve(UUID jobId, Home.Request request, String content);
    }

    /** Hands every request waiting in the home's {@code control/} to {@code action}; problems go to {@code warn}. */
    static void serve(Home home, Action action, Consumer<String> warn) {
        try (var files = Files.newDirectoryStream(home.control())) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                for (Home.Request r : Home.Request.values()) {
                    if (name.endsWith(r.suffix())) {
                        serve(f, name.substring(0, name.length() - r.suffix().length()), r, action, warn);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            warn.accept("cannot read control requests: " + e.getMessage());
        }
    }

    private static void serve(Path file, String id, Home.Request request, Action action, Consumer<String> warn) {
        try {
            action.serve(UUID.fromString(id), request, Files.readString(file, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            // not a job id: a stray file, dropped
        } catch (IOException | RuntimeException e) {
            warn.accept("cannot " + request.name().toLowerCase(java.util.Locale.ROOT) + " job " + id + ": " + e.getMessage());
        } finally {
            deleteQuietly(file);
        }
    }

    /** Removes a request file; one that cannot be removed is served again, which is harmless. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // served again next time: harmless
        }
    }
}
