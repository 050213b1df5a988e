package dev.bulwark.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.bulwark.FailureThreshold;
import dev.bulwark.HaltMode;
import dev.bulwark.RetryPolicy;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.breaker.BreakerPolicy;
import dev.bulwark.util.Choices;
import dev.bulwark.exec.ExecSpec;
import dev.bulwark.util.Durations;
import dev.bulwark.server.FailurePolicies;
import dev.bulwark.server.ParamConfig;
import dev.bulwark.server.RetentionConfig;
import dev.bulwark.server.Role;
import dev.bulwark.server.ServerConfig;
import dev.bulwark.server.TemplateConfig;
import dev.bulwark.server.TierConfig;
import dev.bulwark.server.TokenConfig;
import dev.bulwark.server.WebhookConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code bulwark.yaml} into a {@link ServerConfig}: unknown keys and bad values are refused by name. */
public final class ConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigLoader() {
    }

    /** Reads {@code file}; {@code env} resolves {@code token-env} references. */
    public static ServerConfig load(Path file, Map<String, String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ValidationException("--config " + file + ": cannot read it: " + e.getMessage());
        }
        ValidationException.require(root != null && root.isObject(), "--config " + file + ": expected a YAML mapping at the top");
        Path base = file.toAbsolutePath().getParent();
        Node top = new Node(root, "");
        top.only("server", "tiers", "tokens", "templates");
        Node server = top.child("server");
        server.only("bind", "port", "workers", "shutdown-grace", "ageing", "retention", "webhooks");
        Map<String, TierConfig> tiers = new LinkedHashMap<>();
        top.child("tiers").fields().forEach((name, t) -> {
            t.only("priority", "max-items", "max-running-jobs", "max-request-bytes", "max-upload-bytes", "max-upload-files",
                    "max-upload-total");
            tiers.put(name, new TierConfig(name, t.integer("priority", TierConfig.DEFAULT_PRIORITY),
                    t.integer("max-items", TierConfig.DEFAULT_MAX_ITEMS),
                    t.integer("max-running-jobs", TierConfig.DEFAULT_MAX_RUNNING_JOBS),
                    t.integer("max-request-bytes", TierConfig.DEFAULT_MAX_REQUEST_BYTES),
                    t.longValue("max-upload-bytes", TierConfig.DEFAULT_MAX_UPLOAD_BYTES),
                    t.integer("max-upload-files", TierConfig.DEFAULT_MAX_UPLOAD_FILES),
                    t.longValue("max-upload-total", TierConfig.DEFAULT_MAX_UPLOAD_TOTAL)));
        });
        List<TokenConfig> tokens = new ArrayList<>();
        for (Node t : top.child("tokens").elements()) {
            t.only("token", "token-env", "tenant", "tier", "roles");
            String tenant = t.text("tenant", null);
            String token = t.text("token", null);
            String variable = t.text("token-env", null);
            ValidationException.require((token == null) != (variable == null),
                    t.path + ": give exactly one of token and token-env (tenant '" + tenant + "')");
            if (variable != null) {
                token = env.get(variable);
                ValidationException.require(token != null && !token.isEmpty(), t.path + ".token-env: the environment variable "
                        + variable + " is not set (it holds the token of tenant '" + tenant + "')");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (Node r : t.child("roles").elements()) {
                roles.add(Role.parse(r.node.asText(), r.path));
            }
            tokens.add(new TokenConfig(token, tenant, t.text("tier", null), roles));
        }
        Map<String, TemplateConfig> templates = new LinkedHashMap<>();
        top.child("templates").fields().forEach((name, t) -> {
            try {
                templates.put(name, template(name, t, base));
            } catch (ValidationException e) { // messages of the shared policies do not know where they are
                throw e.getMessage().startsWith("templates.") ? e
                        : new ValidationException("templates." + name + ": " + e.messageNaming(ConfigLoader::templateKey));
            }
        });
        return new ServerConfig(server.text("bind", ServerConfig.DEFAULT_BIND), server.integer("port", ServerConfig.DEFAULT_PORT),
                server.integer("workers", ServerConfig.DEFAULT_WORKERS),
                server.duration("shutdown-grace", ServerConfig.DEFAULT_SHUTDOWN_GRACE),
                server.duration("ageing", ServerConfig.DEFAULT_AGEING), tiers, tokens, templates, retention(server.child("retention")),
                webhooks(server.child("webhooks"), env));
    }

    private static TemplateConfig template(String name, Node t, Path base) {
        t.only("command", "shell", "concurrency", "retries", "backoff", "backoff-max", "timeout", "kill-grace",
                "max-failures", "permanent-exit", "critical-exit", "roots", "params", "breaker", "breaker-scope", "breaker-open",
                "breaker-trials", "breaker-count", "breaker-shared", "on-open", "halt", "job-timeout", "job-timeout-per-item",
                "stop-on-first-failure", "on-critical", "compensate", "uploads", "outputs", "ordered-by");
        List<String> command = strings(t.child("command"));
        ValidationException.require(!command.isEmpty(), t.path + ".command is required: the program and its arguments, as a list");
        ExecSpec exec = new ExecSpec(command, t.bool("shell"), codes(t.child("permanent-exit")), codes(t.child("critical-exit")),
                t.duration("kill-grace", ExecSpec.DEFAULT_KILL_GRACE), ExecSpec.DEFAULT_OUTPUT_CAP);
        int retries = t.integer("retries", RetryPolicy.DEFAULT_RETRIES);
        ValidationException.require(retries >= 0 && retries <= 999, t.path + ".retries must be between 0 and 999, but was " + retries);
        RetryPolicy retry = RetryPolicy.exponential(retries, t.duration("backoff", RetryPolicy.DEFAULT_INITIAL_DELAY),
                t.duration("backoff-max", RetryPolicy.DEFAULT_MAX_DELAY));
        String maxFailures = t.text("max-failures", null);
        Map<String, Path> roots = new LinkedHashMap<>();
        t.child("roots").fields().forEach((rootName, r) -> {
            ValidationException.require(rootName.matches("[a-z][a-z0-9_-]{0,31}"), r.path
                    + ": a root name must be 1 to 32 lower-case letters, digits, '_' or '-'");
            Path dir = base.resolve(r.node.asText());
            try {
                roots.put(rootName, dir.toRealPath());
            } catch (IOException e) {
                throw new ValidationException(r.path + ": " + dir + " is not an existing folder");
            }
            ValidationException.require(Files.isDirectory(roots.get(rootName)), r.path + ": " + dir + " is not a folder");
        });
        Map<String, ParamConfig> params = new LinkedHashMap<>();
        t.child("params").fields().forEach((param, p) -> {
            p.only("pattern", "default");
            ParamConfig config = new ParamConfig(param, ParamConfig.compile(param, p.text("pattern", null)), p.text("default", null));
            ValidationException.require(!exec.shell() || config.defaultValue() == null
                    || ParamConfig.SHELL_SAFE.matcher(config.defaultValue()).matches(), p.path + ".default is not safe in a shell script");
            params.put(param, config);
        });
        return new TemplateConfig(name, exec, t.integer("concurrency", 1), retry, t.duration("timeout", null),
                maxFailures == null ? null : FailureThreshold.parse(maxFailures), roots, params, failurePolicies(t, exec),
                t.text("uploads", null), outputs(t, base), t.text("ordered-by", null));
    }

    /** What a critical failure does ({@code on-critical}). */
    private enum OnCritical { STOP, ROLLBACK }

    /** The breaker, halt, job timeout and rollback settings, parsed by the same code as {@code bulwark run}'s options. */
    private static FailurePolicies failurePolicies(Node t, ExecSpec exec) {
        String spec = t.text("breaker", null);
        BreakerConfig breaker = null;
        if (spec == null) {
            for (String setting : List.of("breaker-scope", "breaker-open", "breaker-trials", "breaker-count", "breaker-shared", "on-open")) {
                ValidationException.require(t.child(setting).node == null, t.path + "." + setting + " goes with "
                        + t.path + ".breaker, e.g. breaker: consecutive=3");
            }
        } else {
            BreakerPolicy policy = BreakerPolicy.parse(spec);
            String open = t.text("breaker-open", null);
            policy = open == null ? policy : policy.withOpen(open);
            policy = policy.withTrials(t.integer("breaker-trials", 1));
            List<String> counted = new java.util.ArrayList<>();
            for (Node c : t.child("breaker-count").elements()) {
                counted.add(c.node.asText());
            }
            policy = policy.withCounting(counted, t.path + ".breaker-count");
            String onOpen = t.text("on-open", null);
            breaker = new BreakerConfig(policy, onOpen == null ? BreakerConfig.OnOpen.PAUSE
                    : Choices.of(onOpen, t.path + ".on-open", BreakerConfig.OnOpen.class), t.text("breaker-scope", null),
                    t.bool("breaker-shared"));
        }
        String halt = t.text("halt", null);
        String onCritical = t.text("on-critical", null);
        boolean rollback = onCritical != null && Choices.of(onCritical, t.path + ".on-critical", OnCritical.class) == OnCritical.ROLLBACK;
        Node compensate = t.child("compensate");
        ExecSpec compensation = null;
        if (rollback) {
            List<String> argv = strings(compensate);
            ValidationException.require(!argv.isEmpty(), t.path + ".on-critical is rollback, so " + compensate.path
                    + " is required: the command that undoes one item, as a list like the command");
            compensation = new ExecSpec(argv, exec.shell(), Set.of(), Set.of(), exec.killGrace(), ExecSpec.DEFAULT_OUTPUT_CAP);
        } else {
            ValidationException.require(compensate.node == null, compensate.path + " goes with on-critical: rollback");
        }
        return new FailurePolicies(breaker, halt == null ? HaltMode.NOW : Choices.of(halt, t.path + ".halt", HaltMode.class),
                t.duration("job-timeout", null), t.duration("job-timeout-per-item", null), t.bool("stop-on-first-failure"),
                compensation);
    }

    private static List<String> strings(Node list) {
        List<String> out = new ArrayList<>();
        for (Node arg : list.elements()) {
            ValidationException.require(arg.node.isValueNode(), arg.path + " must be a string");
            out.add(arg.node.asText());
        }
        return out;
    }

    private static Set<Integer> codes(Node list) {
        Set<Integer> codes = new HashSet<>();
        for (Node c : list.elements()) {
            ValidationException.require(c.node.canConvertToInt(), c.path + " must be an exit code (1-255), but was '" + c.node.asText() + "'");
            codes.add(c.node.asInt());
        }
        return codes;
    }

    /** The template's outputs folder, created when missing, as a real path; null without one. */
    private static Path outputs(Node t, Path base) {
        String text = t.text("outputs", null);
        if (text == null) {
            return null;
        }
        Path dir = base.resolve(text);
        try {
            return Files.createDirectories(dir).toRealPath();
        } catch (IOException e) {
            throw new ValidationException(t.path + ".outputs: cannot create the folder " + dir + ": " + e.getMessage());
        }
    }

    private static WebhookConfig webhooks(Node w, Map<String, String> env) {
        if (w.node == null) {
            return null;
        }
        w.only("allowed-hosts", "secret", "secret-env", "attempts", "backoff", "allow-private");
        String secret = w.text("secret", null);
        String secretEnv = w.text("secret-env", null);
        ValidationException.require((secret == null) != (secretEnv == null), w.path + ": give exactly one of secret and secret-env");
        if (secretEnv != null) {
            secret = env.get(secretEnv);
            ValidationException.require(secret != null, w.path + ".secret-env: the environment variable " + secretEnv + " is not set");
        }
        return new WebhookConfig(new java.util.LinkedHashSet<>(strings(w.child("allowed-hosts"))), secret,
                w.integer("attempts", WebhookConfig.DEFAULT_ATTEMPTS), w.duration("backoff", WebhookConfig.DEFAULT_BACKOFF),
                w.bool("allow-private"));
    }

    private static RetentionConfig retention(Node r) {
        r.only("finished", "failed", "every", "outputs", "uploads");
        return new RetentionConfig(r.duration("finished", null), r.duration("failed", null),
                r.duration("every", RetentionConfig.DEFAULT_EVERY), r.duration("outputs", null), r.duration("uploads", null));
    }

    /** A YAML node and its path in the file, for messages. */
    private record Node(JsonNode node, String path) {

        Node child(String name) {
            JsonNode n = node == null ? null : node.get(name);
            return new Node(n == null || n.isNull() ? null : n, path.isEmpty() ? name : path + "." + name);
        }

        void only(String... allowed) {
            if (node == null) {
                return;
            }
            ValidationException.require(node.isObject(), (path.isEmpty() ? "the file" : path) + " must be a mapping");
            Set<String> known = Set.of(allowed);
            node.fieldNames().forEachRemaining(f -> ValidationException.require(known.contains(f),
                    (path.isEmpty() ? "" : path + ".") + f + " is not a known setting; expected one of " + List.of(allowed)));
        }

        Map<String, Node> fields() {
            Map<String, Node> out = new LinkedHashMap<>();
            if (node != null) {
                ValidationException.require(node.isObject(), path + " must be a mapping of names");
                node.fieldNames().forEachRemaining(f -> out.put(f, child(f)));
            }
            return out;
        }

        List<Node> elements() {
            List<Node> out = new ArrayList<>();
            if (node != null) {
                ValidationException.require(node.isArray(), path + " must be a list");
                for (int i = 0; i < node.size(); i++) {
                    out.add(new Node(node.get(i), path + "[" + i + "]"));
                }
            }
            return out;
        }

        String text(String name, String fallback) {
            Node c = child(name);
            if (c.node == null) {
                return fallback;
            }
            ValidationException.require(c.node.isValueNode(), c.path + " must be a single value");
            return c.node.asText();
        }

        int integer(String name, int fallback) {
            long value = longValue(name, fallback);
            ValidationException.require(value == (int) value, child(name).path + " must be a whole number, but was '" + value + "'");
            return (int) value;
        }

        long longValue(String name, long fallback) {
            Node c = child(name);
            if (c.node == null) {
                return fallback;
            }
            ValidationException.require(c.node.isIntegralNumber() && c.node.canConvertToLong(),
                    c.path + " must be a whole number, but was '" + c.node.asText() + "'");
            return c.node.asLong();
        }

        boolean bool(String name) {
            Node c = child(name);
            ValidationException.require(c.node == null || c.node.isBoolean(), c.path + " must be true or false, but was '"
                    + (c.node == null ? "" : c.node.asText()) + "'");
            return c.node != null && c.node.asBoolean();
        }

        Duration duration(String name, Duration fallback) {
            String text = text(name, null);
            return text == null ? fallback : Durations.parse(text, path + "." + name);
        }
    }

    /** A template's key for a setting as the Java API names it ({@code jobTimeout} → {@code job-timeout}). */
    static String templateKey(String setting) {
        if (setting.startsWith("attemptTimeout")) {
            return "timeout";
        }
        return setting.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
