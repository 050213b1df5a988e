package dev.bulwark.breaker;

import dev.bulwark.util.KeyParts;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.ValidationException;
import dev.bulwark.util.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives an item's breaker scope from a template ({@code --breaker-scope}), or its order scope
 * ({@code --ordered-by}, see {@link dev.bulwark.JobConfig#orderedBy()}): the item placeholders
 * {@code {}}, {@code {/}}, {@code {.}}, {@code {/.}}, {@code {//}}, and {@code {NAME}} for a
 * top-level field of a JSON-lines item's payload ({@code {host}}), with literal text around them.
 * Immutable and thread-safe.
 */
public final class ScopeTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final Set<String> ITEM_PLACEHOLDERS = Set.of("", "/", ".", "/.", "//");
    private static final int MAX_SCOPE = 500;
    private static final String BREAKER_SCOPE = "--breaker-scope";

    private final String text;
    /** The option the template came from, for messages ({@code --breaker-scope}, {@code --ordered-by}). */
    private final String option;
    /** Literal strings and placeholders ({@link Field} or one of the item placeholders as a Part). */
    private final List<Object> parts = new ArrayList<>();

    private record Part(String placeholder) {
    }

    private record Field(String name) {
    }

    private ScopeTemplate(String option, String text) {
        this.option = option;
        this.text = text;
        Matcher m = PLACEHOLDER.matcher(text);
        int last = 0;
        boolean any = false;
        while (m.find()) {
            if (m.start() > last) {
                parts.add(text.substring(last, m.start()));
            }
            String name = m.group(1);
            if (ITEM_PLACEHOLDERS.contains(name)) {
                parts.add(new Part(name));
            } else {
                ValidationException.require(FIELD.matcher(name).matches(), option + " placeholder {" + name
                        + "} in '" + text + "' is neither an item placeholder ({}, {/}, {.}, {/.}, {//}) nor a payload field name");
                parts.add(new Field(name));
            }
            any = true;
            last = m.end();
        }
        if (last < text.length()) {
            parts.add(text.substring(last));
        }
        ValidationException.require(any, option + " '" + text + "' has no placeholder, so every item would get the "
                + "same scope; " + (option.equals(BREAKER_SCOPE) ? "leave it out for one breaker over the whole job"
                : "use --ordered for one order over the whole job") + ", or use e.g. {//} or {host}");
    }

    /** Compiles a template; throws {@link ValidationException} naming what is wrong. */
    public static ScopeTemplate compile(String text) {
        return compile(BREAKER_SCOPE, text);
    }

    /**
     * Compiles a template given with {@code option} (named in messages, e.g. {@code --ordered-by});
     * throws {@link ValidationException} naming what is wrong.
     */
    public static ScopeTemplate compile(String option, String text) {
        ValidationException.require(text != null && !text.isBlank(), option + " must not be empty");
        return new ScopeTemplate(option, text);
    }

    /**
     * The scope of an item. Throws {@link ValidationException} when a payload field is missing or
     * not a string or number, or the scope comes out empty.
     */
    public String scopeOf(ItemSpec item) {
        StringBuilder sb = new StringBuilder();
        JsonNode payload = null;
        for (Object part : parts) {
            if (part instanceof String s) {
                sb.append(s);
            } else if (part instanceof Part p) {
                String key = item.key();
                sb.append(switch (p.placeholder()) {
                    case "" -> key;
                    case "/" -> KeyParts.basename(key);
                    case "." -> KeyParts.removeExtension(key);
                    case "/." -> KeyParts.removeExtension(KeyParts.basename(key));
                    default -> KeyParts.dirname(key);
                });
            } else {
                String name = ((Field) part).name();
                if (payload == null) {
                    payload = item.payload() == null ? null : Json.readTree(item.payload());
                }
                JsonNode v = payload == null ? null : payload.get(name);
                ValidationException.require(v != null && (v.isTextual() || v.isNumber()),
                        "item " + describe(item) + ": " + option + " '" + text + "' needs the payload field \"" + name
                                + "\" (a string or number), but " + (v == null ? "it has none" : "it is " + v));
                sb.append(v.asText());
            }
        }
        String scope = sb.toString();
        ValidationException.require(!scope.isEmpty() && scope.length() <= MAX_SCOPE, "item " + describe(item)
                + ": " + option + " '" + text + "' gives " + (scope.isEmpty() ? "an empty scope" : "a scope longer than "
                + MAX_SCOPE + " characters"));
        return scope;
    }

    /** The item with its scope from this template. */
    public ItemSpec apply(ItemSpec item) {
        return new ItemSpec(item.key(), item.payload(), scopeOf(item), item.orderKey());
    }

    private static String describe(ItemSpec item) {
        String key = item.key();
        return "'" + (key.length() > 80 ? key.substring(0, 80) + "…" : key) + "'";
    }

    @Override
    public String toString() {
        return text;
    }
}
