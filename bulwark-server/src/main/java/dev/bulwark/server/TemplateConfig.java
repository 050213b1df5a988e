package dev.bulwark.server;

import dev.bulwark.FailureThreshold;
import dev.bulwark.JobConfig;
import dev.bulwark.RetryPolicy;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.ScopeTemplate;
import dev.bulwark.exec.ExecHandler;
import dev.bulwark.exec.ExecSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named job template: the only way the service runs anything. A submission names a template,
 * gives its items and the parameters the template declares; it never gives a command.
 *
 * @param name             the template's name, used in submissions
 * @param exec             the command (argv with placeholders, {@code {param:NAME}} included) and exit classification
 * @param concurrency      attempts running at once per job
 * @param retry            retries and backoff
 * @param attemptTimeout   longest an attempt may run, or null
 * @param failureThreshold halts a job after too many failed items, or null
 * @param roots            for file inputs: the folders items must stay inside, by name, as real paths;
 *                         empty when items are plain keys
 * @param params           parameters submissions may set, by name
 * @param failure          breakers, halts, job timeouts and rollback
 * @param uploadRoot       the name of the root that takes uploads ({@code POST /uploads}), or null: none
 * @param outputs          the real path of the folder where each item gets an output folder ({@code {output}} =
 *                         {@code OUTPUTS/JOB/SEQ}), or null: no outputs
 * @param orderedBy        order per scope ({@code ordered-by}, as {@code bulwark run --ordered-by}): the template
 *                         giving each item its order scope, or null for none
 */
public record TemplateConfig(String name, ExecSpec exec, int concurrency, RetryPolicy retry, Duration attemptTimeout,
                             FailureThreshold failureThreshold, Map<String, Path> roots, Map<String, ParamConfig> params,
                             FailurePolicies failure, String uploadRoot, Path outputs, String orderedBy) {

    /** The placeholder of an item's output folder in a template's command. */
    public static final String OUTPUT = "{output}";
    /** The configuration snapshot's input entry naming the job's outputs folder. */
    public static final String OUTPUTS_INPUT = "outputs";

    /** A template that takes no uploads and keeps no outputs. */
    public TemplateConfig(String name, ExecSpec exec, int concurrency, RetryPolicy retry, Duration attemptTimeout,
                          FailureThreshold failureThreshold, Map<String, Path> roots, Map<String, ParamConfig> params,
                          FailurePolicies failure) {
        this(name, exec, concurrency, retry, attemptTimeout, failureThreshold, roots, params, failure, null, null, null);
    }

    public TemplateConfig {
        ValidationException.require(outputs != null || exec.command().stream().noneMatch(a -> a.contains(OUTPUT)),
                "templates." + name + ".command uses " + OUTPUT + ", but the template declares no outputs folder");
        ValidationException.require(outputs == null || !exec.shell() || outputs.toString().matches("[A-Za-z0-9/._-]+"),
                "templates." + name + ".outputs: a shell template's outputs folder may hold only letters, digits, '/', '.', '_' "
                        + "and '-', but was '" + outputs + "'");
        ValidationException.require(uploadRoot == null || roots.containsKey(uploadRoot), "templates." + name + ".uploads must name "
                + "one of its roots " + new java.util.TreeSet<>(roots.keySet()) + ", but was '" + uploadRoot + "'");
        ValidationException.require(name != null && name.matches("[a-z][a-z0-9_-]{0,63}"),
                "templates: a template name must be 1 to 64 lower-case letters, digits, '_' or '-', but was '" + name + "'");
        roots = Map.copyOf(new LinkedHashMap<>(roots));
        params = Map.copyOf(params);
        failure = failure == null ? FailurePolicies.NONE : failure;
        new ExecHandler(exec); // validates placeholders and the shell script now, not at the first submission
        if (orderedBy != null) {
            ScopeTemplate.compile("templates." + name + ".ordered-by", orderedBy);
        }
        // builds once to check the policies together (ordered needs concurrency 1, …)
        failure.applyTo(JobConfig.builder().concurrency(concurrency).retry(retry).attemptTimeout(attemptTimeout)
                .failureThreshold(failureThreshold).exec(exec).orderedBy(orderedBy), failure.compensate()).build();
        checkParams(name, "command", exec, params);
        checkParams(name, "compensate", failure.compensate(), params);
    }

    private static void checkParams(String name, String setting, ExecSpec spec, Map<String, ParamConfig> params) {
        if (spec == null) {
            return;
        }
        for (String arg : spec.command()) {
            int at = arg.indexOf("{param:");
            while (at >= 0) {
                int end = arg.indexOf('}', at);
                String param = end < 0 ? arg.substring(at) : arg.substring(at + 7, end);
                ValidationException.require(end > 0 && params.containsKey(param), "templates." + name
                        + "." + setting + " uses {param:" + param + "}, but params declares no parameter '" + param + "'");
                at = arg.indexOf("{param:", end);
            }
        }
    }

    /** The template of {@link #orderedBy()}, or null for none. */
    public ScopeTemplate orderTemplate() {
        return orderedBy == null ? null : ScopeTemplate.compile("templates." + name + ".ordered-by", orderedBy);
    }

    /** Whether items are files that must lie inside one of {@link #roots()}. */
    public boolean fileInput() {
        return !roots.isEmpty();
    }

    /** The job configuration for a submission: the template's policies and its commands with the parameters filled in. */
    public JobConfig jobConfig(Map<String, String> values, Map<String, String> input) {
        Map<String, String> all = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> all.put("{param:" + k + "}", v));
        if (outputs != null) { // {job} and {#} are the engine's placeholders: each item gets its own folder
            all.put(OUTPUT, outputs + "/{job}/{#}");
        }
        JobConfig.Builder b = JobConfig.builder().concurrency(concurrency).retry(retry).attemptTimeout(attemptTimeout)
                .failureThreshold(failureThreshold).exec(filled(exec, all)).orderedBy(orderedBy);
        failure.applyTo(b, filled(failure.compensate(), all));
        input.forEach(b::input);
        if (outputs != null) {
            b.input(OUTPUTS_INPUT, outputs.toString());
        }
        return b.build();
    }

    private static ExecSpec filled(ExecSpec spec, Map<String, String> values) {
        if (spec == null) {
            return null;
        }
        var command = spec.command().stream().map(arg -> {
            String out = arg;
            for (Map.Entry<String, String> v : values.entrySet()) {
                out = out.replace(v.getKey(), v.getValue());
            }
            return out;
        }).toList();
        return new ExecSpec(command, spec.shell(), spec.permanentExit(), spec.criticalExit(), spec.killGrace(), spec.outputCap());
    }
}
