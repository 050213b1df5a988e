package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ErrorClass;
import dev.bulwark.HaltMode;
import dev.bulwark.JobConfig;
import dev.bulwark.ValidationException;
import dev.bulwark.breaker.BreakerConfig;
import dev.bulwark.server.internal.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    private ServerConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("bulwark.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file, env);
    }

    private ServerConfig load(String yaml) throws Exception {
        return load(yaml, Map.of());
    }

    private static final String TEMPLATE = "templates:\n  t: {command: [echo]}\n";

    @Test
    void defaults_apply_and_tokens_come_from_the_environment() throws Exception {
        ServerConfig c = load("""
                tiers:
                  free: {priority: 10}
                tokens:
                  - {token-env: MY_TOKEN, tenant: acme, tier: free, roles: [read]}
                """ + TEMPLATE, Map.of("MY_TOKEN", "a-long-enough-secret-token"));
        assertThat(c.bind()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.tokens().getFirst().token()).isEqualTo("a-long-enough-secret-token");
        assertThat(c.tokens().getFirst().toString()).doesNotContain("secret");
        assertThat(c.templates().get("t").exec().shell()).isFalse();
    }

    @Test
    void binding_beyond_loopback_without_tokens_is_refused() {
        assertThatThrownBy(() -> load("server: {bind: 0.0.0.0}\n" + TEMPLATE))
                .isInstanceOf(ValidationException.class).hasMessageContaining("server.bind is 0.0.0.0")
                .hasMessageContaining("configure tokens");
    }

    @Test
    void bad_settings_are_refused_by_name() {
        assertThatThrownBy(() -> load("server: {prot: 80}\n" + TEMPLATE)).hasMessageContaining("server.prot is not a known setting");
        assertThatThrownBy(() -> load("server: {port: 70000}\n" + TEMPLATE)).hasMessageContaining("server.port must be between 0 and 65535, but was 70000");
        assertThatThrownBy(() -> load("server: {port: eighty}\n" + TEMPLATE)).hasMessageContaining("server.port must be a whole number, but was 'eighty'");
        assertThatThrownBy(() -> load("templates: {}\n")).hasMessageContaining("at least one template");
        assertThatThrownBy(() -> load("tokens:\n  - {token-env: NOPE, tenant: a, tier: x, roles: [read]}\n" + TEMPLATE))
                .hasMessageContaining("NOPE is not set");
        assertThatThrownBy(() -> load("tiers: {free: {}}\ntokens:\n  - {token: short, tenant: a, tier: free, roles: [read]}\n" + TEMPLATE))
                .hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> load("tiers: {free: {}}\ntokens:\n  - {token: a-long-enough-secret-token, tenant: a, tier: gold, roles: [read]}\n" + TEMPLATE))
                .hasMessageContaining("tier 'gold' is not defined");
        assertThatThrownBy(() -> load("tiers: {free: {}}\ntokens:\n  - {token: a-long-enough-secret-token, tenant: a, tier: free, roles: [root]}\n" + TEMPLATE))
                .hasMessageContaining("role must be one of read, submit, admin, but was 'root'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo, '{param:x}']}\n")).hasMessageContaining("declares no parameter 'x'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [cat], roots: {in: missing}}\n")).hasMessageContaining("is not an existing folder");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], retries: 5000}\n")).hasMessageContaining("retries must be between 0 and 999");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], timeout: soon}\n")).hasMessageContaining("templates.t.timeout");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], concurrency: 0}\n"))
                .hasMessage("templates.t: concurrency must be between 1 and 10000, but was 0");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], params: {p: {pattern: '[a-'}}}\n")).hasMessageContaining("params.p.pattern is not a valid regular expression");
    }

    @Test
    void templates_declare_manual_breakers_counted_categories_and_shared_breakers() throws Exception {
        ServerConfig c = load("""
                templates:
                  t:
                    command: [machine-op, '{}']
                    breaker: failures=3,window=60s
                    breaker-scope: '{//}'
                    breaker-open: manual
                    breaker-count: [critical, timeout, 'exit:75']
                    breaker-shared: true
                """);
        FailurePolicies p = c.templates().get("t").failure();
        assertThat(p.breaker().policy().manual()).isTrue();
        assertThat(p.breaker().policy().counted()).containsExactly(ErrorClass.CRITICAL);
        assertThat(p.breaker().policy().categories()).containsExactlyInAnyOrder("timeout", "exit:75");
        assertThat(p.breaker().shared()).isTrue();
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker-shared: true}\n"))
                .hasMessageContaining("templates.t.breaker-shared goes with templates.t.breaker");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-shared: maybe}\n"))
                .hasMessageContaining("templates.t.breaker-shared must be true or false, but was 'maybe'");
    }

    @Test
    void templates_declare_breakers_halts_job_timeouts_and_rollback_as_bulwark_run_does() throws Exception {
        ServerConfig c = load("""
                templates:
                  t:
                    command: [deploy, '{}', '{param:env}']
                    params: {env: {default: test}}
                    critical-exit: [99]
                    breaker: failures=3,window=30s,slow=5s
                    breaker-scope: 'host-{//}'
                    breaker-open: 10s,grow=2,max=1m
                    breaker-trials: 2
                    breaker-count: [transient, permanent]
                    on-open: halt
                    halt: soon
                    job-timeout: 10m
                    job-timeout-per-item: 2s
                    stop-on-first-failure: true
                    on-critical: rollback
                    compensate: [undeploy, '{}', '{param:env}']
                """);
        FailurePolicies p = c.templates().get("t").failure();
        assertThat(p.breaker().policy().toString()).isEqualTo("failures=3,window=30s,slow=5s");
        assertThat(p.breaker().policy().openFor()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.breaker().policy().openMax()).isEqualTo(Duration.ofMinutes(1));
        assertThat(p.breaker().policy().trials()).isEqualTo(2);
        assertThat(p.breaker().policy().counted()).containsExactlyInAnyOrder(ErrorClass.TRANSIENT, ErrorClass.PERMANENT);
        assertThat(p.breaker().onOpen()).isEqualTo(BreakerConfig.OnOpen.HALT);
        assertThat(p.breaker().scope()).isEqualTo("host-{//}");
        assertThat(p.halt()).isEqualTo(HaltMode.SOON);
        assertThat(p.jobTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(p.jobTimeoutPerItem()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.stopOnFirstFailure()).isTrue();
        JobConfig job = c.templates().get("t").jobConfig(Map.of("env", "prod"), Map.of());
        assertThat(job.rollback()).isTrue();
        assertThat(job.compensate().command()).containsExactly("undeploy", "{}", "prod");
        assertThat(job.breaker()).isEqualTo(p.breaker());
        assertThat(job.jobBudget(3)).isEqualTo(Duration.ofMinutes(10).plusSeconds(6));
    }

    @Test
    void bad_failure_policies_are_refused_naming_the_template_and_the_value() {
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=x}\n"))
                .hasMessageStartingWith("templates.t: ").hasMessageContaining("'x'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: sometimes}\n"))
                .hasMessageContaining("but was 'sometimes'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], on-open: halt}\n"))
                .hasMessageContaining("templates.t.on-open goes with templates.t.breaker");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, on-open: explode}\n"))
                .hasMessage("templates.t.on-open must be one of pause, halt, fail, but was 'explode'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-open: '10s,grow=x'}\n"))
                .hasMessageContaining("grow must be a number like 2, but was 'x'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-trials: 0}\n"))
                .hasMessageContaining("trials must be between 1 and 1000, but was 0");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-count: ['time out']}\n"))
                .hasMessageContaining("templates.t.breaker-count entry 'time out' is neither an error class (transient, permanent, "
                        + "critical) nor a category like timeout, exit:75 or http:5*");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-scope: fixed}\n"))
                .hasMessageContaining("'fixed' has no placeholder");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], halt: later}\n"))
                .hasMessage("templates.t.halt must be one of now, soon, but was 'later'");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], job-timeout: forever}\n"))
                .hasMessageContaining("templates.t.job-timeout").hasMessageContaining("forever");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], on-critical: rollback}\n"))
                .hasMessageContaining("templates.t.compensate is required");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], compensate: [rm, '{}']}\n"))
                .hasMessage("templates.t.compensate goes with on-critical: rollback");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], on-critical: rollback, compensate: [rm, '{param:p}']}\n"))
                .hasMessageContaining("templates.t.compensate uses {param:p}");
        assertThatThrownBy(() -> load("templates:\n  t: {command: [echo], stop-on-first-failure: often}\n"))
                .hasMessageContaining("templates.t.stop-on-first-failure must be true or false, but was 'often'");
    }

    @Test
    void a_breaker_scope_gives_each_submitted_item_its_scope_or_refuses_the_item_by_name() throws Exception {
        ServerConfig c = load("templates:\n  t: {command: [echo], breaker: consecutive=3, breaker-scope: 'site-{//}'}\n"
                + "  h: {command: [echo], breaker: consecutive=3, breaker-scope: '{host}'}\n");
        var s = dev.bulwark.server.internal.Submission.parse("{\"template\": \"t\", \"items\": [\"eu/a\", \"us/b\"]}".getBytes(),
                c, TierConfig.anonymous(), Map.of());
        assertThat(s.items()).extracting(dev.bulwark.Engine.ItemSpec::scope).containsExactly("site-eu", "site-us");
        assertThatThrownBy(() -> dev.bulwark.server.internal.Submission.parse("{\"template\": \"h\", \"items\": [\"x\"]}".getBytes(),
                c, TierConfig.anonymous(), Map.of()))
                .hasMessageContaining("item 'x'").hasMessageContaining("payload field \"host\"")
                .extracting(e -> ((dev.bulwark.server.internal.Problem) e).status()).isEqualTo(422);
    }
}
