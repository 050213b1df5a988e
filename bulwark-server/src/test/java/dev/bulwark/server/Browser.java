package dev.bulwark.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium driven through Debian's chromedriver, with a fresh profile and a
 * download folder of its own. Missing Chromium fails the test with what to install: the browser
 * tests never skip ({@code .ci/run} installs the packages on a fresh machine).
 */
final class Browser implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(20);

    final ChromeDriver driver;
    final Path downloads;

    Browser(Path dir) throws IOException {
        Path chromium = find("BULWARK_CHROMIUM", "chromium", "chromium-browser", "google-chrome");
        Path chromedriver = find("BULWARK_CHROMEDRIVER", "chromedriver");
        this.downloads = Files.createDirectories(dir.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createDirectories(dir.resolve("profile")));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(WAIT);
    }

    /** The executable named by the environment variable, or the first of the names on the PATH. */
    private static Path find(String env, String... names) {
        String given = System.getenv(env);
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            for (String name : names) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new AssertionError("the dashboard's browser tests need " + String.join(" or ", names) + " on the PATH (or "
                + env + "): install Debian's chromium and chromium-driver packages (.ci/run does so)");
    }

    /** Saves a screenshot of the current page as {@code file}. */
    void screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a screenshot of the whole page, however long, as {@code file}. */
    void screenshotWholePage(Path file) {
        Dimension before = driver.manage().window().getSize();
        Number height = (Number) driver.executeScript("return document.documentElement.scrollHeight;");
        driver.manage().window().setSize(new Dimension(before.getWidth(), Math.min(6000, height.intValue() + 120)));
        try {
            driver.executeScript("window.scrollTo(0, 0);");
            screenshot(file);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** The finished download whose name ends with {@code suffix}, if any. */
    Optional<Path> downloaded(String suffix) {
        try (Stream<Path> files = Files.list(downloads)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
