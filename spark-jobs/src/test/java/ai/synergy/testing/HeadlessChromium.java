package ai.synergy.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, for tests that look at a page as a user's browser does: the DOM after the page's
 * scripts ran ({@code --dump-dom}), the console messages (Chromium's log on stderr), a screenshot. Each call is its
 * own browser process with a fresh profile and the background networking this machine's closed network refuses
 * turned off; every call is bounded in time. {@code .ci/run} installs the {@code chromium} package.
 */
public final class HeadlessChromium {
    /** Where Debian's package puts the browser. */
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 120;

    private final Path work;

    private HeadlessChromium(Path work) {
        this.work = work;
    }

    /** The browser, with {@code work} for its profiles; the calling test is skipped where it is not installed. */
    public static HeadlessChromium require(Path work) {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), BINARY + " is not installed (Debian package chromium)");
        return new HeadlessChromium(work);
    }

    /**
     * What loading a page gave.
     *
     * @param dom     the serialized DOM after load
     * @param console the page's console messages (Chromium's {@code CONSOLE} log lines)
     */
    public record Loaded(String dom, List<String> console) {
    }

    /** Loads {@code page} and returns its DOM and console messages. */
    public Loaded load(Path page) throws IOException, InterruptedException {
        Run run = run("dom", List.of("--enable-logging=stderr", "--v=0", "--dump-dom", page.toUri().toString()));
        List<String> console = run.stderr().lines().filter(l -> l.contains(":CONSOLE")).toList();
        return new Loaded(run.stdout(), console);
    }

    /** Renders {@code page} at {@code width} x {@code height} CSS pixels into {@code png}. */
    public void screenshot(Path page, int width, int height, Path png) throws IOException, InterruptedException {
        run("shot", List.of("--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png,
                page.toUri().toString()));
        if (!Files.isRegularFile(png)) {
            throw new IllegalStateException("chromium wrote no screenshot " + png);
        }
    }

    private record Run(String stdout, String stderr) {
    }

    private Run run(String name, List<String> args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-" + name + "-");
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(args);
        Path out = profile.resolve("stdout.txt");
        Path err = profile.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("chromium ran past " + TIMEOUT_SECONDS + " s: " + command);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited with " + p.exitValue() + ": " + stderr);
        }
        return new Run(Files.readString(out, StandardCharsets.UTF_8), stderr);
    }
}
