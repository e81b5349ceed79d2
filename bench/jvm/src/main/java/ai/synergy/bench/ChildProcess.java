package ai.synergy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's child process (a bin/synergy run or the PyTorch anchor), its output in a log file. The child's
 * environment keeps none of this JVM's {@code SYNERGY_*} or {@code OMP_WAIT_POLICY} settings, only those given, and
 * talks to 127.0.0.1.
 */
record ChildProcess(String name, Process process, Path log, long startNanos) {

    /** Starts {@code command} with {@code env} added, its output going to {@code logs/<name>.log}. */
    static ChildProcess start(Path logs, String name, List<String> command, Map<String, String> env)
            throws IOException {
        Path log = logs.resolve(name + ".log");
        Files.createDirectories(logs);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SYNERGY_") || k.equals("OMP_WAIT_POLICY"));
        pb.environment().putAll(env);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return new ChildProcess(name, pb.start(), log, System.nanoTime());
    }

    /**
     * Waits for the child at most {@code timeout} (then kills it and its descendants); fails with the log's last lines
     * when it exits with an error. Prints its name and wall time.
     */
    void await(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException(name + " ran past " + timeout + "; see " + log);
        }
        if (process.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException(name + " failed (exit " + process.exitValue() + "); last lines of " + log
                    + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        System.out.printf("  %s: %.0f s%n", name, (System.nanoTime() - startNanos) / 1e9);
    }
}
