package dev.bulwark.cli.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal of a given size: a detached tmux session on a server of its own running one
 * command, whose screen the test reads as text ({@code tmux capture-pane}). The pane stays after
 * the command ends so its last screen can be read.
 */
final class TmuxScreen implements AutoCloseable {
    private final String socket;

    private TmuxScreen(String socket) {
        this.socket = socket;
    }

    /** Starts {@code command} (argv) in {@code workDir} on a terminal of {@code columns} x {@code rows}. */
    static TmuxScreen start(Path workDir, int columns, int rows, List<String> command) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("#!/bin/sh\ncd ").append(quote(workDir.toString())).append(" || exit 1\n");
        for (String word : command) {
            script.append(quote(word)).append(' ');
        }
        script.append("\necho \"exit=$?\"\n");
        Path file = workDir.resolve("on-terminal.sh");
        Files.writeString(file, script.toString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        TmuxScreen screen = new TmuxScreen("bulwark-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        screen.tmux("new-session", "-d", "-x", Integer.toString(columns), "-y", Integer.toString(rows), file.toString());
        screen.tmux("set-option", "-g", "remain-on-exit", "on");
        return screen;
    }

    /** The screen's lines, right-trimmed, without the empty lines at the bottom. */
    List<String> lines() throws IOException, InterruptedException {
        String text = tmux("capture-pane", "-p");
        List<String> lines = new ArrayList<>(text.lines().map(String::stripTrailing).toList());
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /** Resizes the terminal, as a user dragging the window's border would (the program gets SIGWINCH). */
    void resize(int columns, int rows) throws IOException, InterruptedException {
        tmux("resize-window", "-x", Integer.toString(columns), "-y", Integer.toString(rows));
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("tmux " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        tmux("kill-server");
    }
}
