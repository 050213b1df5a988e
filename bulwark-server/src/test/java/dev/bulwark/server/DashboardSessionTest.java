package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.ACME_READER;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's sessions over plain HTTP: redirects, cookie attributes, CSRF, roles, headers. */
class DashboardSessionTest extends ServerTest {
    private static final String FORM = "application/x-www-form-urlencoded";

    @Test
    void an_unauthenticated_page_request_redirects_to_the_sign_in_page() {
        for (String page : new String[] {"/", "/jobs/6f1d1c4e-0000-4000-8000-000000000000", "/breakers", "/queues", "/workers"}) {
            HttpResponse<String> r = f.get(page, null);
            assertThat(r.statusCode()).as(page).isEqualTo(303);
            assertThat(r.headers().firstValue("Location")).as(page).hasValue("/login");
        }
    }

    @Test
    void signing_in_sets_an_http_only_same_site_strict_session_cookie() {
        HttpResponse<String> r = signIn(ACME);

        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/");
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("bulwark_session=").contains("; Path=/", "; HttpOnly", "; SameSite=Strict");
        assertThat(page("/", cookie(r)).statusCode()).isEqualTo(200);
    }

    @Test
    void a_wrong_token_signs_nobody_in() {
        HttpResponse<String> r = signIn("wrong-token-0123456789");

        assertThat(r.headers().firstValue("Location")).hasValue("/login?error=invalid");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void a_sign_in_form_posted_from_another_site_is_refused() {
        HttpResponse<String> r = f.send("POST", "/login", null, "token=" + ACME,
                Map.of("Content-Type", FORM, "Origin", "https://evil.example"));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void an_action_with_the_session_cookie_but_without_the_csrf_token_is_refused() {
        String cookie = cookie(signIn(ACME));
        String job = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"x\"]}");

        HttpResponse<String> refused = f.send("POST", "/api/v1/jobs/" + job + "/cancel", null, null, Map.of("Cookie", cookie));
        HttpResponse<String> wrong = f.send("POST", "/api/v1/jobs/" + job + "/cancel", null, null,
                Map.of("Cookie", cookie, "X-CSRF-Token", "guessed"));

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(ServerFixture.json(refused).get("detail").asText()).contains("X-CSRF-Token");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(f.job(job, ACME).get("status").asText()).isNotEqualTo("CANCELLED");

        String csrf = ServerFixture.json(f.send("GET", "/session", null, null, Map.of("Cookie", cookie))).get("csrf").asText();
        HttpResponse<String> allowed = f.send("POST", "/api/v1/jobs/" + job + "/cancel", null, null,
                Map.of("Cookie", cookie, "X-CSRF-Token", csrf));
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(202);
    }

    @Test
    void the_session_has_the_roles_of_its_token() {
        String cookie = cookie(signIn(ACME_READER));

        assertThat(page("/", cookie).statusCode()).isEqualTo(200);
        assertThat(page("/queues", cookie).statusCode()).isEqualTo(403);
        String csrf = ServerFixture.json(f.send("GET", "/session", null, null, Map.of("Cookie", cookie))).get("csrf").asText();
        String job = f.submit(ACME, "{\"template\": \"gate\", \"items\": [\"x\"]}");
        HttpResponse<String> cancel = f.send("POST", "/api/v1/jobs/" + job + "/cancel", null, null,
                Map.of("Cookie", cookie, "X-CSRF-Token", csrf));
        assertThat(cancel.statusCode()).isEqualTo(403);
        assertThat(ServerFixture.json(cancel).get("detail").asText()).contains("'submit' role");
    }

    @Test
    void signing_out_ends_the_session() {
        String cookie = cookie(signIn(ACME));
        String csrf = ServerFixture.json(f.send("GET", "/session", null, null, Map.of("Cookie", cookie))).get("csrf").asText();

        HttpResponse<String> out = f.send("POST", "/logout", null, null, Map.of("Cookie", cookie, "X-CSRF-Token", csrf));

        assertThat(out.statusCode()).isEqualTo(204);
        assertThat(page("/", cookie).statusCode()).isEqualTo(303);
        assertThat(f.send("GET", "/api/v1/jobs", null, null, Map.of("Cookie", cookie)).statusCode()).isEqualTo(401);
    }

    @Test
    void pages_and_assets_carry_a_strict_content_security_policy() {
        String cookie = cookie(signIn(ACME));

        for (HttpResponse<String> r : java.util.List.of(page("/", cookie), f.get("/login", null), f.get("/assets/jobs.js", null))) {
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        assertThat(f.get("/assets/jobs.js", null).headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(page("/", cookie).body()).doesNotContain("<script>", "style=", "onclick=");
    }

    @Test
    void only_the_dashboards_own_assets_are_served() {
        for (String path : new String[] {"/assets/..%2Fopenapi.json", "/assets/jobs.html", "/assets/missing.js", "/assets/JOBS.JS"}) {
            assertThat(f.get(path, null).statusCode()).as(path).isEqualTo(404);
        }
    }

    private HttpResponse<String> signIn(String token) {
        return f.send("POST", "/login", null, "token=" + token, Map.of("Content-Type", FORM,
                "Origin", "http://127.0.0.1:" + f.server.port()));
    }

    private HttpResponse<String> page(String path, String cookie) {
        return f.send("GET", path, null, null, Map.of("Cookie", cookie));
    }

    private static String cookie(HttpResponse<String> signIn) {
        String header = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return header.substring(0, header.indexOf(';'));
    }
}
