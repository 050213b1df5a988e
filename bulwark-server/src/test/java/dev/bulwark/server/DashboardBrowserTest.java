package dev.bulwark.server;

import static dev.bulwark.server.ServerFixture.ACME;
import static dev.bulwark.server.ServerFixture.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium against a real server: sign-in, live progress,
 * actions, downloads, hostile names, tenancy. Screenshots of the main pages land in
 * {@code target/dashboard-screenshots} (the ones in docs/ come from there).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
    private static final String HOSTILE = "<img src=x onerror=\"window.pwned=1\">";

    ServerFixture f;
    Browser browser;
    WebDriverWait wait;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        f = ServerFixture.start(dir.resolve("server"));
        browser = new Browser(dir.resolve("browser"));
        wait = new WebDriverWait(browser.driver, Browser.WAIT);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (f != null) {
            f.close();
        }
    }

    @BeforeEach
    void signedOut() {
        browser.driver.get(url("/login"));
        browser.driver.manage().deleteAllCookies();
    }

    @Test
    void a_signed_in_browser_watches_a_job_progress_live_without_reloading() throws IOException {
        signIn(ACME);
        Files.deleteIfExists(f.gate);
        String id = f.submit(ACME, "{\"template\": \"gate\", \"name\": \"nightly import\", \"items\": [\"a\", \"b\", \"c\"]}");
        browser.driver.get(url("/"));
        wait.until(ExpectedConditions.presenceOfElementLocated(jobRow(id)));
        wait.until(d -> d.findElement(jobRow(id)).findElement(By.cssSelector("[data-field=status]")).getText().equals("RUNNING"));
        js("window.sameDocument = true;");
        browser.screenshot(SCREENSHOTS.resolve("jobs.png"));

        f.openGate();

        wait.until(d -> d.findElement(jobRow(id)).findElement(By.cssSelector("[data-field=status]")).getText().equals("COMPLETED"));
        assertThat(browser.driver.findElement(jobRow(id)).findElement(By.cssSelector("[data-field=succeeded]")).getText()).isEqualTo("3");
        assertThat(js("return window.sameDocument === true;")).isEqualTo(true);

        browser.driver.findElement(By.linkText("nightly import")).click();
        wait.until(d -> d.findElement(By.id("bar")).getDomProperty("value").equals("100"));
        assertThat(browser.driver.findElement(By.id("summary")).getText()).contains("COMPLETED", "gate");
        assertThat(browser.driver.findElement(By.id("events")).getText()).contains("job_started", "job_finished");
    }

    @Test
    void the_job_page_follows_items_as_they_finish() throws IOException {
        signIn(ACME);
        Files.deleteIfExists(f.gate);
        String id = f.submit(ACME, "{\"template\": \"gate\", \"name\": \"live page\", \"items\": [\"one\", \"two\"]}");
        browser.driver.get(url("/jobs/" + id));
        wait.until(d -> d.findElement(By.id("summary")).getText().contains("RUNNING"));
        js("window.sameDocument = true;");

        f.openGate();

        wait.until(d -> d.findElement(By.id("summary")).getText().contains("COMPLETED"));
        wait.until(d -> d.findElement(By.id("bar")).getDomProperty("value").equals("100"));
        assertThat(js("return window.sameDocument === true;")).isEqualTo(true);
        assertThat(browser.driver.findElements(By.cssSelector("#chart svg rect.succeeded"))).isNotEmpty();
    }

    @Test
    void retrying_one_failed_item_runs_it_again_and_shows_its_attempts() throws IOException {
        String id = openFinishedJob("{\"template\": \"fail\", \"name\": \"with failures\", \"items\": [\"good\", \"bad-one\", \"bad-two\"]}", "PARTIAL");
        WebElement retry = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[aria-label='Retry item 2']")));
        assertThat(browser.driver.findElement(By.id("errors")).getText()).contains("exit:3", "2");

        retry.click();

        wait.until(d -> d.findElement(By.id("action-result")).getText().equals("Retry item 2: done"));
        f.awaitStatus(id, ACME, "PARTIAL");
        assertThat(f.json(f.get("/api/v1/jobs/" + id + "/items/2", ACME)).get("attempts")).hasSize(2);
        assertThat(f.json(f.get("/api/v1/jobs/" + id + "/items/3", ACME)).get("attempts")).hasSize(1);
        browser.driver.navigate().refresh();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[aria-label='Attempts and log of item 2']"))).click();
        wait.until(d -> d.findElements(By.cssSelector("#attempts tbody tr")).size() == 2);
        wait.until(d -> !d.findElement(By.id("log")).getText().isEmpty());
        browser.screenshotWholePage(SCREENSHOTS.resolve("job.png"));
    }

    @Test
    void an_open_breaker_is_reset_from_the_breakers_page() throws IOException {
        signIn(ACME);
        f.openGate();
        Files.deleteIfExists(f.up);
        String id = f.submit(ACME, "{\"template\": \"hosts\", \"name\": \"hosts\", \"items\": [\"beta/1\", \"beta/2\", \"beta/3\", \"alpha/1\"]}");
        await().atMost(Browser.WAIT).until(() -> f.job(id, ACME).get("openBreakers").size() == 1);
        browser.driver.get(url("/breakers"));
        WebElement reset = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[aria-label='Reset the breaker of beta']")));
        assertThat(browser.driver.findElement(By.id("breakers")).getText()).contains("beta", "OPEN", "min");
        browser.screenshot(SCREENSHOTS.resolve("breakers.png"));
        Files.writeString(f.up, "up");

        reset.click();

        wait.until(d -> d.findElement(By.id("action-result")).getText().equals("Reset breaker beta: done"));
        f.awaitStatus(id, ACME, "PARTIAL");
        assertThat(f.job(id, ACME).get("counts").get("succeeded").asInt()).isEqualTo(2);
    }

    @Test
    void the_review_queue_downloads_as_csv_and_as_a_typed_spreadsheet() throws IOException {
        String id = openFinishedJob("{\"template\": \"fail\", \"name\": \"review\", \"items\": [\"ok\", \"bad=1+1\", \"bad-two\"]}", "PARTIAL");

        wait.until(ExpectedConditions.elementToBeClickable(By.id("csv"))).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.id("xlsx"))).click();

        Path csv = await().atMost(Browser.WAIT).until(() -> browser.downloaded(id + ".csv").orElse(null), p -> p != null);
        Path xlsx = await().atMost(Browser.WAIT).until(() -> browser.downloaded(id + ".xlsx").orElse(null), p -> p != null);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).isEqualTo(String.join(",", ReviewQueueExport.COLUMNS));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("2,\"bad=1+1\",,1,PERMANENT,exit:3,");
        try (InputStream in = Files.newInputStream(xlsx); XSSFWorkbook book = new XSSFWorkbook(in)) {
            Sheet sheet = book.getSheetAt(0);
            assertThat(sheet.getLastRowNum()).isEqualTo(2);
            Row first = sheet.getRow(1);
            assertThat(first.getCell(0).getCellType()).isEqualTo(CellType.NUMERIC);
            assertThat(first.getCell(0).getNumericCellValue()).isEqualTo(2.0);
            assertThat(first.getCell(1).getStringCellValue()).isEqualTo("bad=1+1");
            assertThat(first.getCell(7).getNumericCellValue()).isEqualTo(3.0); // exit code
            assertThat(DateUtil.isCellDateFormatted(first.getCell(10))).isTrue(); // finished_at
        }
    }

    @Test
    void an_items_outputs_are_listed_with_download_links() {
        String id = openFinishedJob("{\"template\": \"produce\", \"name\": \"thumbnails\", \"items\": [\"cat.png\"]}", "COMPLETED");

        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[aria-label='Attempts and log of item 1']"))).click();

        wait.until(d -> ("/api/v1/jobs/" + id + "/items/1/outputs/result.txt")
                .equals(d.findElement(By.linkText("result.txt")).getDomAttribute("href")));
        wait.until(d -> d.findElement(By.id("outputs")).getText().contains("SHA-256"));
        assertThat(browser.driver.findElement(By.id("outputs")).getText()).doesNotContain("link.txt");
        assertThat(browser.driver.findElement(By.id("zip")).isDisplayed()).isTrue();
    }

    @Test
    void hostile_job_names_and_item_keys_render_as_text() {
        signIn(ACME);
        String id = f.submit(ACME, "{\"template\": \"fail\", \"name\": \"" + HOSTILE.replace("\"", "\\\"") + "\", \"items\": [\""
                + ("bad" + HOSTILE).replace("\"", "\\\"") + "\"]}");
        f.awaitStatus(id, ACME, "FAILED");

        browser.driver.get(url("/"));
        WebElement link = wait.until(ExpectedConditions.presenceOfElementLocated(jobRow(id))).findElement(By.tagName("a"));
        assertThat(link.getText()).isEqualTo(HOSTILE);
        browser.driver.get(url("/jobs/" + id));
        wait.until(d -> d.findElement(By.cssSelector("#items tbody")).getText().contains("bad<img"));

        assertThat(browser.driver.findElement(By.id("title")).getText()).isEqualTo("Job " + HOSTILE);
        assertThat(browser.driver.findElements(By.cssSelector("main img"))).isEmpty();
        assertThat(js("return window.pwned === undefined;")).isEqualTo(true);
    }

    @Test
    void another_tenants_job_is_unreachable_from_the_dashboard() {
        String acmeJob = f.submit(ACME, "{\"template\": \"echo\", \"name\": \"acme only\", \"items\": [\"x\"]}");
        signIn(OTHER);

        browser.driver.get(url("/jobs/" + acmeJob));

        wait.until(d -> d.findElement(By.id("error")).getText().equals("No such job."));
        assertThat(browser.driver.findElement(By.tagName("main")).getText()).doesNotContain("acme only");
        browser.driver.get(url("/"));
        wait.until(d -> d.findElement(By.id("page")).getText().isEmpty() || !d.findElement(By.id("empty")).isDisplayed());
        assertThat(browser.driver.findElements(jobRow(acmeJob))).isEmpty();
    }

    @Test
    void signing_out_ends_the_session_and_pages_redirect_to_the_sign_in() {
        signIn(ACME);
        wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-out"))).click();
        wait.until(ExpectedConditions.urlToBe(url("/login")));

        browser.driver.get(url("/breakers"));

        assertThat(browser.driver.getCurrentUrl()).isEqualTo(url("/login"));
    }

    @Test
    void a_wrong_token_is_refused_on_the_sign_in_page() {
        browser.driver.get(url("/login"));
        browser.driver.findElement(By.id("token")).sendKeys("not-a-token-of-this-server");
        browser.driver.findElement(By.cssSelector("button[type=submit]")).click();

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(browser.driver.getCurrentUrl()).isEqualTo(url("/login?error=invalid"));
        browser.screenshot(SCREENSHOTS.resolve("login.png"));
    }

    /** Signs in as ACME, submits {@code body}, waits until the job has {@code status} and opens its page; returns its id. */
    private String openFinishedJob(String body, String status) {
        signIn(ACME);
        String id = f.submitAndAwait(ACME, body, status);
        browser.driver.get(url("/jobs/" + id));
        return id;
    }

    private void signIn(String token) {
        browser.driver.get(url("/login"));
        browser.driver.findElement(By.id("token")).sendKeys(token);
        browser.driver.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.urlToBe(url("/")));
    }

    private static By jobRow(String id) {
        return By.cssSelector("tr[data-job='" + id + "']");
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser.driver).executeScript(script);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + f.server.port() + path;
    }
}
