package dev.bulwark.server;

import dev.bulwark.ValidationException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A parameter a template lets submissions set. Its value replaces {@code {param:NAME}} inside
 * the template's command arguments, and must match the whole of {@code pattern}.
 *
 * @param name         the parameter's name
 * @param pattern      a regular expression the whole value must match
 * @param defaultValue the value when a submission gives none, or null when it is required
 */
public record ParamConfig(String name, Pattern pattern, String defaultValue) {

    /** Values allowed when a template names no pattern: no spaces, quotes or shell syntax, no leading '-'. */
    public static final String DEFAULT_PATTERN = "[A-Za-z0-9_.][A-Za-z0-9_.,:=+@-]{0,63}";
    /** In a shell template, values must also match this: they end up in the script's text. */
    public static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_.,:=+@/-]*");

    public ParamConfig {
        ValidationException.require(name != null && name.matches("[a-z][a-z0-9_-]{0,31}"),
                "params: a parameter name must be 1 to 32 lower-case letters, digits, '_' or '-', but was '" + name + "'");
        ValidationException.require(pattern != null, "params." + name + ".pattern is required");
        ValidationException.require(defaultValue == null || pattern.matcher(defaultValue).matches(),
                "params." + name + ".default '" + defaultValue + "' does not match its pattern " + pattern.pattern());
    }

    /** Compiles a pattern from the configuration, naming the parameter when it is invalid. */
    public static Pattern compile(String name, String regex) {
        try {
            return Pattern.compile(regex == null ? DEFAULT_PATTERN : regex);
        } catch (PatternSyntaxException e) {
            throw new ValidationException("params." + name + ".pattern is not a valid regular expression: " + e.getDescription());
        }
    }

    /** The placeholder this parameter fills in a command argument. */
    public String placeholder() {
        return "{param:" + name + "}";
    }
}
