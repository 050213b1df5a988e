package dev.bulwark.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.bulwark.ValidationException;
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
}
