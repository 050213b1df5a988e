package dev.bulwark.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.bulwark.Engine.ItemSpec;
import dev.bulwark.JobConfig;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.util.Json;
import dev.bulwark.util.FileNames;
import dev.bulwark.server.ParamConfig;
import dev.bulwark.server.ServerConfig;
import dev.bulwark.server.TemplateConfig;
import dev.bulwark.server.TierConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code POST /jobs} body: the template, the job's name, its items and its
 * configuration snapshot. Everything is checked before anything is stored; each refusal names
 * the field.
 *
 * @param name   the job's name
 * @param items  the items: keys (for file templates: real paths inside a root), with the scope
 *               the template's {@code breaker-scope} gives them
 * @param config the job's configuration snapshot
 * @param warnings what was left out of a folder and why (a dangling link, a link loop, ...), relative to the root
 */
public record Submission(String name, List<ItemSpec> items, JobConfig config, List<String> warnings) {
    private static final Set<String> FIELDS = Set.of("template", "name", "items", "root", "folder", "glob", "recursive", "params",
            "callback");
    private static final int MAX_KEY_LENGTH = 4096;

    /** Parses and validates a body sent by {@code principal}'s tenant. */
    public static Submission parse(byte[] body, ServerConfig config, TierConfig tier, Map<String, String> audit) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw Problem.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw Problem.badRequest(null, "the body cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw Problem.badRequest(null, "the body must be a JSON object like {\"template\": \"NAME\", \"items\": [\"KEY\", ...]}");
        }
        root.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw Problem.badRequest(f, "unknown field '" + f + "'; expected some of " + FIELDS.stream().sorted().toList());
            }
        });
        String templateName = text(root, "template", true);
        TemplateConfig template = config.templates().get(templateName);
        if (template == null) {
            throw Problem.unprocessable("template", "template '" + templateName + "' does not exist; templates: "
                    + config.templates().keySet().stream().sorted().toList());
        }
        String name = text(root, "name", false);
        if (name != null && (name.isBlank() || name.length() > 200 || name.chars().anyMatch(Character::isISOControl))) {
            throw Problem.unprocessable("name", "name must be 1 to 200 characters without control characters");
        }
        Map<String, String> values = params(root.get("params"), template);
        List<String> warnings = new ArrayList<>();
        List<String> keys = items(root, template, tier, warnings);
        String callback = text(root, "callback", false);
        Map<String, String> input = new LinkedHashMap<>(audit);
        input.put("template", template.name());
        if (callback != null) {
            input.put(Webhooks.CALLBACK, Callbacks.check(callback, config.webhooks()).toString());
        }
        values.forEach((k, v) -> input.put("param." + k, v));
        return new Submission(name == null ? template.name() : name, scoped(keys, template), template.jobConfig(values, input),
                List.copyOf(warnings));
    }

    /**
     * The items with the scopes of the template's {@code breaker-scope} and the order scopes of its
     * {@code ordered-by}; 422 naming the item that has none.
     */
    private static List<ItemSpec> scoped(List<String> keys, TemplateConfig template) {
        ScopeTemplate scopes = template.failure().scopeTemplate();
        ScopeTemplate order = template.orderTemplate();
        List<ItemSpec> items = new ArrayList<>(keys.size());
        for (String key : keys) {
            try {
                ItemSpec item = scopes == null ? ItemSpec.of(key) : scopes.apply(ItemSpec.of(key));
                items.add(order == null ? item : item.withOrderKey(order.scopeOf(item)));
            } catch (ValidationException e) {
                throw Problem.unprocessable("items", e.getMessage());
            }
        }
        return items;
    }

    private static List<String> items(JsonNode root, TemplateConfig template, TierConfig tier, List<String> warnings) {
        boolean inline = root.has("items");
        boolean folder = root.has("folder");
        if (inline == folder) {
            throw Problem.badRequest(inline ? "folder" : "items", "give exactly one of items (a list of keys) and folder (with glob)");
        }
        if (!template.fileInput() && (folder || root.has("root") || root.has("glob") || root.has("recursive"))) {
            throw Problem.badRequest(folder ? "folder" : "root", "template '" + template.name() + "' takes plain keys: give items, without root, folder or glob");
        }
        if (inline && (root.has("glob") || root.has("recursive"))) {
            throw Problem.badRequest(root.has("glob") ? "glob" : "recursive", "glob and recursive go with folder, not with items");
        }
        RootedPaths rooted = template.fileInput() ? rooted(root, template) : null;
        int max = tier.maxItemsPerJob();
        List<String> keys = new ArrayList<>();
        if (inline) {
            JsonNode items = root.get("items");
            if (!items.isArray()) {
                throw Problem.badRequest("items", "items must be a list of strings, but was " + items.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            tooMany(items.size(), max, tier);
            for (int i = 0; i < items.size(); i++) {
                String field = "items[" + i + "]";
                JsonNode item = items.get(i);
                if (!item.isTextual()) {
                    throw Problem.badRequest(field, field + " must be a string, but was " + item.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                }
                String key = wellFormed(item.asText(), field);
                keys.add(rooted == null ? plainKey(key, field) : rooted.file(key, field).toString());
            }
        } else {
            String glob = text(root, "glob", false);
            JsonNode recursive = root.get("recursive");
            if (recursive != null && !recursive.isBoolean()) {
                throw Problem.badRequest("recursive", "recursive must be true or false");
            }
            List<Path> files = rooted.list(text(root, "folder", true), glob == null ? "*" : glob,
                    recursive != null && recursive.asBoolean(), max, warnings::add);
            tooMany(files.size(), max, tier);
            files.forEach(f -> keys.add(FileNames.text(f))); // a name that is not UTF-8 keeps its bytes
        }
        if (keys.isEmpty()) {
            throw Problem.unprocessable(inline ? "items" : "folder", "no items: " + (inline ? "items is empty" : "no file in the folder matches the glob"));
        }
        return keys;
    }

    private static RootedPaths rooted(JsonNode root, TemplateConfig template) {
        String rootName = text(root, "root", false);
        if (rootName == null) {
            rootName = template.roots().keySet().stream().sorted().findFirst().orElseThrow();
            if (template.roots().size() > 1) {
                throw Problem.badRequest("root", "template '" + template.name() + "' has several roots: name one of "
                        + template.roots().keySet().stream().sorted().toList());
            }
        }
        Path dir = template.roots().get(rootName);
        if (dir == null) {
            throw Problem.unprocessable("root", "root '" + rootName + "' is not a root of template '" + template.name()
                    + "'; roots: " + template.roots().keySet().stream().sorted().toList());
        }
        return new RootedPaths(rootName, dir);
    }

    private static void tooMany(int count, int max, TierConfig tier) {
        if (count > max) {
            throw new Problem(413, "Content Too Large", "too many items: more than " + max + ", the most a job of tier '"
                    + tier.name() + "' may hold", "items");
        }
    }

    private static String plainKey(String key, String field) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(c -> c == 0 || c == '\n' || c == '\r')) {
            throw Problem.unprocessable(field, field + " must be 1 to " + MAX_KEY_LENGTH + " characters without NUL or line breaks");
        }
        return key;
    }

    private static Map<String, String> params(JsonNode given, TemplateConfig template) {
        if (given != null && !given.isObject()) {
            throw Problem.badRequest("params", "params must be an object of parameter names to strings");
        }
        Map<String, String> values = new LinkedHashMap<>();
        if (given != null) {
            given.fieldNames().forEachRemaining(p -> {
                if (!template.params().containsKey(p)) {
                    throw Problem.badRequest("params." + p, "template '" + template.name() + "' has no parameter '" + p
                            + "'; parameters: " + template.params().keySet().stream().sorted().toList());
                }
            });
        }
        for (ParamConfig p : template.params().values()) {
            String field = "params." + p.name();
            JsonNode v = given == null ? null : given.get(p.name());
            if (v != null && !v.isTextual() && !v.isNumber()) {
                throw Problem.badRequest(field, field + " must be a string or a number");
            }
            String value = v == null ? p.defaultValue() : wellFormed(v.asText(), field);
            if (value == null) {
                throw Problem.unprocessable(field, field + " is required by template '" + template.name() + "'");
            }
            if (!p.pattern().matcher(value).matches()
                    || (template.exec().shell() && !ParamConfig.SHELL_SAFE.matcher(value).matches())) {
                throw Problem.unprocessable(field, field + " must match " + p.pattern().pattern() + ", but was '" + value + "'");
            }
            values.put(p.name(), value);
        }
        return values;
    }

    private static String text(JsonNode root, String field, boolean required) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw Problem.badRequest(field, field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw Problem.badRequest(field, field + " must be a string, but was " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return wellFormed(v.asText(), field);
    }

    /**
     * {@code text} when it is well-formed UTF-16; a lone surrogate (JSON {@code "\ud800x"}) cannot be
     * stored or passed to a command as it is, and is refused rather than changed.
     */
    private static String wellFormed(String text, String field) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw Problem.unprocessable(field, field + " holds a lone UTF-16 surrogate (\\u" + HexFormat.of().toHexDigits(c)
                        + ") at position " + i + ": send text that is valid Unicode");
            }
        }
        return text;
    }
}
