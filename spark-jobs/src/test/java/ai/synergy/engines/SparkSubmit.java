package ai.synergy.engines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code spark-submit} as a user runs it, from a {@link SparkHome}: what {@code bin/spark-submit} and
 * {@code bin/spark-class} do. Spark's launcher ({@code org.apache.spark.launcher.Main}, on {@code jars/*}) builds the
 * JVM command (class path = conf dir + jars + HADOOP_CONF_DIR/YARN_CONF_DIR, Java 17 module options, client-mode
 * driver memory, options and class path from the properties file); that command then runs
 * {@code org.apache.spark.deploy.SparkSubmit} in its own JVM, from the checkout's root (the README's relative paths).
 */
final class SparkSubmit {
    /** Environment variables a test JVM may have that must not leak into a user's spark-submit. */
    private static final List<String> SCRUBBED = List.of("SPARK_HOME", "SPARK_CONF_DIR", "HADOOP_CONF_DIR",
            "YARN_CONF_DIR", "SPARK_DIST_CLASSPATH", "CLASSPATH", "SPARK_SUBMIT_OPTS", "_SPARK_AUTH_SECRET",
            "SPARK_PREPEND_CLASSES", "SPARK_TESTING");

    private SparkSubmit() {
    }

    /** A spark-submit JVM that runs; its stdout and stderr go to {@code log}. Closing kills it if it still runs. */
    record Started(Process process, Path log, List<String> command, long startNanos) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }

        /** Waits (bounded) for spark-submit to end; kills it and fails when it does not. */
        Finished await(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("spark-submit did not end in " + timeout.toSeconds() + " s; its log:\n"
                        + tail(log, 60));
            }
            return new Finished(process.exitValue(), Files.readString(log),
                    Duration.ofNanos(System.nanoTime() - startNanos));
        }
    }

    /** A spark-submit JVM that has ended. */
    record Finished(int exitCode, String log, Duration took) {
        String tail() {
            String[] lines = log.split("\n");
            return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 60), lines.length));
        }
    }

    /**
     * Starts {@code spark-submit <args>} with {@code home} as SPARK_HOME and {@code env} added to this JVM's
     * environment (less any Spark or Hadoop settings of its own).
     */
    static Started start(SparkHome home, Map<String, String> env, List<String> args, Path log)
            throws IOException, InterruptedException {
        Map<String, String> environment = environment(home, env);
        List<String> command = launchCommand(home, environment, args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(SparkHome.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        Files.writeString(log.resolveSibling(log.getFileName() + ".command"), String.join("\n", command) + "\n");
        return new Started(builder.start(), log, command, System.nanoTime());
    }

    static Finished run(SparkHome home, Map<String, String> env, List<String> args, Path log, Duration timeout)
            throws IOException, InterruptedException {
        try (Started started = start(home, env, args, log)) {
            return started.await(timeout);
        }
    }

    private static Map<String, String> environment(SparkHome home, Map<String, String> env) {
        Map<String, String> environment = new LinkedHashMap<>(System.getenv());
        SCRUBBED.forEach(environment::remove);
        environment.put("SPARK_HOME", home.path().toString());
        // what bin/load-spark-env.sh sets in a distribution
        environment.put("SPARK_SCALA_VERSION", "2.12");
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.putAll(env);
        return environment;
    }

    /**
     * What {@code bin/spark-class} does: runs Spark's launcher, which prints a NUL and a newline, then the command
     * NUL-separated.
     */
    private static List<String> launchCommand(SparkHome home, Map<String, String> environment, List<String> args)
            throws IOException, InterruptedException {
        List<String> launcher = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-cp",
                home.jars() + "/*", "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(args);
        Path output = Files.createTempFile("spark-launcher", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(launcher).directory(SparkHome.ROOT.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(output.toFile());
            builder.environment().clear();
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("Spark's launcher did not end in 60 s");
            }
            return parseLauncherOutput(Files.readAllBytes(output), process.exitValue());
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static List<String> parseLauncherOutput(byte[] out, int exitCode) {
        String text = new String(out, StandardCharsets.UTF_8);
        int start = text.indexOf("\0\n");
        if (exitCode != 0 || start < 0) {
            throw new AssertionError("Spark's launcher failed (exit " + exitCode + "): " + text);
        }
        List<String> command = new ArrayList<>();
        for (String token : text.substring(start + 2).split("\0")) {
            if (!token.isEmpty()) {
                command.add(token);
            }
        }
        return command;
    }

    static String tail(Path log, int lines) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
