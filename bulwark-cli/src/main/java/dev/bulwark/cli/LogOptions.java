package dev.bulwark.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.bulwark.BulwarkException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-format text|json} (default {@code $BULWARK_LOG_FORMAT}, else text) for {@code run},
 * {@code worker} and {@code serve}. {@code text} keeps {@code logback.xml}: diagnostics on standard
 * error as {@code bulwark: LEVEL message}, and the service's access log. {@code json} switches
 * Logback to {@code logback-json.xml}: one JSON object per line on standard error for diagnostics,
 * the access log, every engine event ({@code dev.bulwark.events}: job, item, attempt and the
 * event's fields) and the command's own lines ({@code dev.bulwark.console}), for log shippers.
 */
public final class LogOptions {
    /** The two formats. */
    public enum Format { TEXT, JSON }

    static final String JSON_CONFIG = "/logback-json.xml";

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "${env:BULWARK_LOG_FORMAT:-text}",
            description = "Log lines on standard error: text, or json (one JSON object per line, engine events included; "
                    + "no progress display). Default: $BULWARK_LOG_FORMAT, else text.")
    Format format;

    /** Whether JSON logs were asked for (then the human progress display stays off). */
    public boolean json() {
        return format == Format.JSON;
    }

    /**
     * Where the command's own lines (start line, summary, "serving ...") go: {@code err} itself in
     * text format; in JSON format, a writer that turns each line into an INFO record of the logger
     * {@code dev.bulwark.console}, so that standard error holds JSON objects only.
     */
    public PrintWriter stderr(PrintWriter err) {
        return json() ? new PrintWriter(new ConsoleLines(), true) : err;
    }

    /** Each line written becomes one log record (the "bulwark: " prefix dropped). Thread-safe. */
    static final class ConsoleLines extends Writer {
        private static final Logger LOG = LoggerFactory.getLogger("dev.bulwark.console");
        private final StringBuilder line = new StringBuilder();

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    emit();
                } else if (chars[i] != '\r') {
                    line.append(chars[i]);
                }
            }
        }

        @Override
        public void flush() {
            // A line is logged when it ends: a record per flush would split lines.
        }

        @Override
        public synchronized void close() {
            if (!line.isEmpty()) {
                emit();
            }
        }

        private void emit() {
            String text = line.toString();
            line.setLength(0);
            LOG.info(text.startsWith("bulwark: ") ? text.substring("bulwark: ".length()) : text);
        }
    }

    /** Applies the chosen format ({@link #apply()}) and returns where the command's own lines go ({@link #stderr}); call first in the command. */
    public PrintWriter start(PrintWriter err) {
        apply();
        return stderr(err);
    }

    /** Reconfigures Logback for the chosen format; call first in the command. */
    public void apply() {
        if (!json() || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        URL config = LogOptions.class.getResource(JSON_CONFIG);
        if (config == null) {
            throw new BulwarkException(JSON_CONFIG + " is missing from the bulwark jar");
        }
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (JoranException e) {
            throw new BulwarkException("cannot configure JSON logs from " + JSON_CONFIG + ": " + e.getMessage(), e);
        }
    }
}
