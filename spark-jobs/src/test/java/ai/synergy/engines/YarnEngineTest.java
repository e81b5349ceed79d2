package ai.synergy.engines;

import ai.synergy.cli.SynergyCli;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.spark.ExecutorWait;
import ai.synergy.testing.IdxFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar submitted to a real YARN (mini cluster: ResourceManager and NodeManager in this JVM, HDFS beside
 * them) by Spark's own spark-submit in a separate JVM, with {@code cluster-conf/spark-defaults.yarn.conf} and the
 * README's lines, only the sizes scaled to this machine: client and cluster mode end SUCCEEDED with exit code 0; a
 * job that fails on bad input ends FAILED with its one-line message in YARN's diagnostics; an executor container
 * killed mid-epoch costs only its tasks; a killed application master is replaced by a second attempt that continues
 * from the checkpoint ({@code train --resume auto}); executors that do not fit fail the job within
 * {@value ExecutorWait#TIMEOUT_CONF} with the numbers. Every listening socket of this JVM and the containers stays on
 * 127.0.0.1, and every process started is gone at the end.
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class YarnEngineTest {
    /** The NodeManager offers 8 GB: an application master and two executors of 1 GB heap + 1280 MB overhead. */
    static final MiniHadoop.YarnSize NODE = new MiniHadoop.YarnSize(8192, 8, 512);
    static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(5);

    @TempDir
    static Path dir;
    static MiniHadoop hadoop;
    static SparkHome sparkHome;
    static Processes.Watch watch;

    @BeforeAll
    static void startYarn() throws Exception {
        watch = new Processes.Watch(Duration.ofSeconds(1));
        hadoop = MiniHadoop.hdfsAndYarn(dir.resolve("hadoop"), NODE);
        IdxFixtures.write(dir.resolve("fashion-mnist"), 2048, 256, 7);
        hadoop.upload(dir.resolve("fashion-mnist"), "/datasets/fashion-mnist");
        sparkHome = SparkHome.create(dir.resolve("spark-home"));
        SparkHome.appJar();
    }

    @AfterAll
    static void stopYarn() {
        try {
            if (hadoop != null) {
                hadoop.close();
            }
        } finally {
            if (watch != null) {
                assertThat(watch.started()).as("processes started").isNotEmpty();
                watch.assertCleanEnd();
            }
        }
    }

    /** A user's environment for spark-submit: the cluster's client configuration. */
    static Map<String, String> env() {
        return Map.of("HADOOP_CONF_DIR", hadoop.confDir().toString(), "YARN_CONF_DIR", hadoop.confDir().toString(),
                "SPARK_LOCAL_IP", MiniHadoop.HOST);
    }

    /** The README's train arguments, scaled down (ResNet-8, 2 workers). */
    static List<String> train(String out, int epochs) {
        return List.of("train", "--data", "fashion-mnist", "--data-dir", "hdfs:///datasets/fashion-mnist",
                "--model", "resnet8", "--epochs", String.valueOf(epochs), "--workers", "2", "--batch-size", "32",
                "--lr", "0.05", "--lr-schedule", "constant", "--out", out, "--resume", "auto");
    }

    /** The README's YARN line in {@code deployMode} for a job, with this machine's sizes. */
    static List<String> submit(String deployMode, List<String> extraConf, List<String> job) throws IOException {
        return SubmitLines.concat(SubmitLines.yarn(deployMode, 2), SubmitLines.testSizes(SubmitLines.YARN_CONF),
                SubmitLines.yarnLoopback(), extraConf, SubmitLines.application(), job);
    }

    static Set<String> applicationIds() {
        return hadoop.applications().stream().map(MiniHadoop.App::id).collect(Collectors.toSet());
    }

    static List<EpochMetrics> metrics(String run) throws IOException {
        return MetricsLog.readAll(new ByteArrayInputStream(hadoop.read(run + "/metrics.jsonl")
                .getBytes(StandardCharsets.UTF_8)));
    }

    static String containerLog(String appId, String container, String file) throws IOException {
        for (Path log : hadoop.containerLogs(appId)) {
            if (log.getParent().getFileName().toString().endsWith(container) && log.getFileName().toString()
                    .equals(file)) {
                return Files.readString(log);
            }
        }
        throw new AssertionError("no " + file + " of container *" + container + " in " + hadoop.containerLogs(appId));
    }

    /** Every container's launch script sets SPARK_LOCAL_IP=127.0.0.1 (YARN would not pass this JVM's on). */
    static void assertContainersPinnedToLoopback(String appId) throws IOException {
        List<Path> scripts = hadoop.containerLogs(appId).stream()
                .filter(p -> p.getFileName().toString().equals("launch_container.sh")).toList();
        assertThat(scripts).as("containers of " + appId).hasSizeGreaterThanOrEqualTo(3);
        for (Path script : scripts) {
            assertThat(Files.readString(script)).as(script.toString())
                    .contains("export SPARK_LOCAL_IP=\"127.0.0.1\"");
        }
    }

    /** Logs written with cluster-conf/log4j2.properties' layout (HH:mm:ss LEVEL) and no error reading the files. */
    static void assertClusterConfLogging(String log, String what) {
        assertThat(log).as(what + ": log4j2.properties' layout, Spark's INFO lines off")
                .containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d (WARN|INFO|ERROR) ")
                .doesNotContainPattern("(?m)^\\d\\d/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d INFO ");
        assertThat(log).as(what + ": metrics.properties and log4j2.properties found")
                .doesNotContain("Error loading configuration file")
                .doesNotContain("File not found in file system or classpath");
    }

    @Test
    void clientModeSucceedsAndAKilledExecutorCostsOnlyItsTasks() throws Exception {
        Set<String> before = applicationIds();
        String run = "/runs/client-mode";
        SparkSubmit.Finished done;
        // rounds of 16 minibatches per worker: long enough tasks to be killed in
        List<String> job = SubmitLines.concat(train("hdfs://" + run, 2), List.of("--averaging-frequency", "16"));
        try (SparkSubmit.Started submit = SparkSubmit.start(sparkHome, env(), submit("client", List.of(), job),
                dir.resolve("client-mode.log"))) {
            // epoch 1's checkpoint is written: epoch 2 begins, and one executor container is killed in it
            Processes.awaitTrue(() -> exists(run + "/checkpoints/epoch-0001") || !submit.process().isAlive(),
                    Duration.ofMinutes(4), "the checkpoint of epoch 1");
            assertThat(submit.process().isAlive()).as("spark-submit running; its log:%n%s",
                    SparkSubmit.tail(submit.log(), 40)).isTrue();
            List<ProcessHandle> executors = Processes.javaMatching("YarnCoarseGrainedExecutorBackend");
            assertThat(executors).as("executor JVMs").hasSize(2);
            for (ProcessHandle executor : executors) {
                assertThat(Processes.listening(executor.pid())).as("an executor's sockets").isNotEmpty()
                        .allMatch(Processes::isLoopback);
            }
            // killed while it computes a training task of epoch 2
            Processes.kill(Processes.awaitBusy(executors, Duration.ofMillis(200), Duration.ofSeconds(60)));
            done = submit.await(SUBMIT_TIMEOUT);
        }
        assertThat(done.exitCode()).as("spark-submit's exit code; its log:%n%s", done.tail()).isZero();
        MiniHadoop.App app = hadoop.awaitDone(hadoop.awaitNewApplication(before, Duration.ofSeconds(10)).id(),
                Duration.ofSeconds(60));
        assertThat(app.finalStatus().toString()).isEqualTo("SUCCEEDED");
        assertThat(done.log()).as("the driver saw the executor go").contains("Lost executor");
        long lostTasks = done.log().lines().filter(l -> l.contains("ExecutorLostFailure")).count();
        assertThat(lostTasks).as("tasks lost with the executor (and run again)").isGreaterThanOrEqualTo(1);
        assertThat(metrics(run)).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(metrics(run).get(1).testTop1()).isGreaterThan(0.8);
        assertThat(hadoop.exists(run + "/model.zip")).isTrue();
        assertClusterConfLogging(done.log(), "client-mode driver");
        assertContainersPinnedToLoopback(app.id());
        System.out.printf("YARN client mode: %.1f s, tasks lost with the executor: %d%n",
                done.took().toMillis() / 1e3, lostTasks);
    }

    @Test
    void clusterModeEndsSucceededWithExitCodeZero() throws Exception {
        Set<String> before = applicationIds();
        String run = "/runs/cluster-mode";
        SparkSubmit.Finished done = SparkSubmit.run(sparkHome, env(), submit("cluster", List.of(),
                train("hdfs://" + run, 1)), dir.resolve("cluster-mode.log"), SUBMIT_TIMEOUT);
        assertThat(done.exitCode()).as("spark-submit's exit code; its log:%n%s", done.tail()).isZero();
        MiniHadoop.App app = hadoop.awaitDone(hadoop.awaitNewApplication(before, Duration.ofSeconds(10)).id(),
                Duration.ofSeconds(60));
        assertThat(app.finalStatus().toString()).isEqualTo("SUCCEEDED");
        assertThat(app.attempts()).isEqualTo(1);
        assertThat(done.log()).contains("final status: SUCCEEDED");
        assertThat(containerLog(app.id(), "_01_000001", "stdout")).contains("test top-1");
        assertThat(metrics(run)).extracting(EpochMetrics::epoch).containsExactly(1);
        assertThat(hadoop.exists(run + "/model.zip")).isTrue();
        assertClusterConfLogging(containerLog(app.id(), "_01_000001", "stderr"), "application master");
        assertClusterConfLogging(containerLog(app.id(), "_01_000002", "stderr"), "executor");
        assertContainersPinnedToLoopback(app.id());
        System.out.printf("YARN cluster mode: %.1f s%n", done.took().toMillis() / 1e3);
    }

    @Test
    void aKilledApplicationMasterIsReplacedByASecondAttemptThatResumes() throws Exception {
        Set<String> before = applicationIds();
        String run = "/runs/am-killed";
        SparkSubmit.Finished done;
        try (SparkSubmit.Started submit = SparkSubmit.start(sparkHome, env(), submit("cluster", List.of(),
                train("hdfs://" + run, 2)), dir.resolve("am-killed.log"))) {
            Processes.awaitTrue(() -> exists(run + "/checkpoints/epoch-0001") || !submit.process().isAlive(),
                    Duration.ofMinutes(4), "the checkpoint of epoch 1");
            List<ProcessHandle> masters = Processes.javaMatching("org.apache.spark.deploy.yarn.ApplicationMaster");
            assertThat(masters).as("the application master (driver) JVM").hasSize(1);
            Processes.kill(masters.get(0));
            done = submit.await(SUBMIT_TIMEOUT);
        }
        assertThat(done.exitCode()).as("spark-submit's exit code; its log:%n%s", done.tail()).isZero();
        MiniHadoop.App app = hadoop.awaitDone(hadoop.awaitNewApplication(before, Duration.ofSeconds(10)).id(),
                Duration.ofSeconds(60));
        assertThat(app.finalStatus().toString()).isEqualTo("SUCCEEDED");
        assertThat(app.attempts()).isEqualTo(2);
        // the lock of the killed driver (same host, dead pid) is taken over at once, epoch 2 runs from the checkpoint
        assertThat(containerLog(app.id(), "_02_000001", "stdout"))
                .containsPattern("resuming from \\S+/checkpoints/epoch-0001 \\(epoch 1 of 2 done\\)");
        assertThat(metrics(run)).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(hadoop.exists(run + "/model.zip")).isTrue();
        System.out.printf("YARN application master killed and resumed: %.1f s%n", done.took().toMillis() / 1e3);
    }

    @Test
    void badInputEndsFailedWithTheOneLineMessageInTheDiagnostics() throws Exception {
        Set<String> before = applicationIds();
        List<String> job = new ArrayList<>(train("hdfs:///runs/bad-input", 1));
        job.set(job.indexOf("hdfs:///datasets/fashion-mnist"), "hdfs:///datasets/missing");
        SparkSubmit.Finished done = SparkSubmit.run(sparkHome, env(), submit("cluster", List.of(), job),
                dir.resolve("bad-input.log"), SUBMIT_TIMEOUT);
        assertThat(done.exitCode()).as("spark-submit's exit code").isNotZero();
        MiniHadoop.App app = hadoop.awaitDone(hadoop.awaitNewApplication(before, Duration.ofSeconds(10)).id(),
                Duration.ofSeconds(60));
        assertThat(app.finalStatus().toString()).isEqualTo("FAILED");
        // the driver's one line, first in the diagnostics (the stack trace Spark adds follows it)
        String line = app.diagnostics().lines().findFirst().orElse("");
        assertThat(line).startsWith("User class threw exception: " + SynergyCli.CommandFailedException.class.getName()
                + ": synergy: error: --data fashion-mnist: ")
                .contains("/datasets/missing/train-images-idx3-ubyte.gz does not exist").endsWith("(exit code 2)");
        assertThat(done.log()).contains(line.substring(line.indexOf("synergy: error:")));
        // a failed attempt is retried (spark.yarn.maxAppAttempts 2); bad input fails it the same way
        assertThat(app.attempts()).isEqualTo(2);
        System.out.printf("YARN bad input: %.1f s%n", done.took().toMillis() / 1e3);
    }

    @Test
    void executorsLargerThanTheNodeManagerHasFreeFailWithinTheWaitTimeout() throws Exception {
        // the client-mode application master takes 1 GB of the NodeManager's 8: an executor of 7 GB heap + 512 MB
        // overhead is within YARN's maximum allocation, so YARN accepts the request and never grants it
        List<String> tooLarge = List.of("--conf", "spark.executor.memory=7g", "--conf",
                "spark.executor.memoryOverhead=512m", "--conf", ExecutorWait.TIMEOUT_CONF + "=15s");
        SparkSubmit.Finished done = SparkSubmit.run(sparkHome, env(), submit("client", tooLarge,
                train("hdfs:///runs/too-large", 1)), dir.resolve("too-large.log"), SUBMIT_TIMEOUT);
        assertThat(done.exitCode()).as("exit code for bad input; log:%n%s", done.tail()).isEqualTo(2);
        assertThat(done.log()).contains("synergy: error: the cluster granted no executor in 15 s ("
                + ExecutorWait.TIMEOUT_CONF + "): asked for 2 executor(s) for 2 workers, each 1 core(s) and 7680 MB "
                + "(7168 MB heap + 512 MB overhead)");
        assertThat(done.took()).isLessThan(Duration.ofSeconds(15 + 60));
        System.out.printf("YARN executors too large: %.1f s%n", done.took().toMillis() / 1e3);
    }

    private static boolean exists(String hdfsPath) {
        try {
            return hadoop.exists(hdfsPath);
        } catch (IOException e) {
            return false;
        }
    }
}
