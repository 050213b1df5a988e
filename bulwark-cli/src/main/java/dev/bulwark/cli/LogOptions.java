package dev.bulwark.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.bulwark.BulwarkException;
import java.net.URL;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-format text|json} (default {@code $BULWARK_LOG_FORMAT}, else text) for {@code run},
 * {@code worker} and {@code serve}. {@code text} keeps {@code logback.xml}: diagnostics on standard
 * error as {@code bulwark: LEVEL message}, and the service's access log. {@code json} switches
 * Logback to {@code logback-json.xml}: one JSON object per line on standard error for diagnostics,
 * the access log and every engine event ({@code dev.bulwark.events}: job, item, attempt and the
 * event's fields), for log shippers.
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
