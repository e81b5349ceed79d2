package ai.synergy.engines;

import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.run.RunFolder;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.IlsvrcTree;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The jobs on a real HDFS (NameNode and DataNode in this JVM), each run as a user runs it: {@code bin/synergy} in its
 * own JVM (Spark local mode). Data and runs live on {@code hdfs://127.0.0.1:<port>/...}; a driver killed (SIGKILL)
 * after its first checkpoint is continued with {@code --resume}; {@code prepare} writes shards to HDFS and
 * {@code train --data imagenet:hdfs://...} reads them; {@code evaluate} and {@code report} reach the run as
 * {@code hdfs:///path}, through the {@code HADOOP_CONF_DIR} that bin/synergy puts on the class path.
 */
@Tag("integration")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HdfsEngineTest {
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    static final String RUN = "/runs/fashion";

    @TempDir
    static Path dir;
    static MiniHadoop hadoop;
    static Processes.Watch watch;

    @BeforeAll
    static void startHdfs() throws IOException {
        for (String built : List.of("spark-jobs/target/classpath.txt", "spark-jobs/target/classes")) {
            // bin/synergy would otherwise build (mvn install) on its own
            assertThat(SparkHome.ROOT.resolve(built)).as("built by mvn package").exists();
        }
        watch = new Processes.Watch(Duration.ofSeconds(1));
        hadoop = MiniHadoop.hdfs(dir.resolve("hadoop"));
        IdxFixtures.write(dir.resolve("fashion-mnist"), 1024, 256, 11);
        hadoop.upload(dir.resolve("fashion-mnist"), "/datasets/fashion-mnist");
    }

    @AfterAll
    static void stopHdfs() {
        try {
            if (hadoop != null) {
                hadoop.close();
            }
        } finally {
            if (watch != null) {
                watch.assertCleanEnd();
            }
        }
    }

    /** Runs {@code bin/synergy <args>} from the checkout's root; {@code confDir}: with HADOOP_CONF_DIR set. */
    static Process synergy(List<String> args, String name, boolean confDir) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(SparkHome.ROOT.resolve("bin/synergy").toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(SparkHome.ROOT.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = builder.environment();
        for (String key : List.of("HADOOP_CONF_DIR", "YARN_CONF_DIR", "SYNERGY_MASTER", "SYNERGY_REBUILD",
                "SYNERGY_SECRET_FILE", "SPARK_HOME", "SPARK_CONF_DIR")) {
            env.remove(key);
        }
        env.put("SYNERGY_JAVA_OPTS", "-Xmx1500m");
        env.put("SPARK_LOCAL_IP", MiniHadoop.HOST);
        if (confDir) {
            env.put("HADOOP_CONF_DIR", hadoop.confDir().toString());
        }
        return builder.start();
    }

    /** Runs bin/synergy to its end (bounded); returns its exit code and output. */
    static Result run(List<String> args, String name, boolean confDir) throws Exception {
        long start = System.nanoTime();
        Process p = synergy(args, name, confDir);
        if (!p.waitFor(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(name + " did not end in " + JOB_TIMEOUT.toSeconds() + " s; its log:\n"
                    + SparkSubmit.tail(dir.resolve(name + ".log"), 40));
        }
        Result result = new Result(p.exitValue(), Files.readString(dir.resolve(name + ".log")),
                (System.nanoTime() - start) / 1e9);
        System.out.printf("bin/synergy %s: exit %d in %.1f s%n", name, result.exit(), result.seconds());
        return result;
    }

    record Result(int exit, String output, double seconds) {
        String tail() {
            String[] lines = output.split("\n");
            return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
        }
    }

    static List<String> train(String data, String out) {
        return List.of("train", "--data", data, "--model", "resnet8", "--epochs", "2", "--workers", "2",
                "--batch-size", "32", "--lr", "0.05", "--lr-schedule", "constant", "--out", out);
    }

    static List<EpochMetrics> metrics(String run) throws IOException {
        return MetricsLog.readAll(new ByteArrayInputStream(hadoop.read(run + "/metrics.jsonl")
                .getBytes(StandardCharsets.UTF_8)));
    }

    static List<String> concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    @Order(1)
    void trainingOnHdfsIsKilledAfterItsFirstCheckpointAndResumes() throws Exception {
        String data = "idx:" + hadoop.hdfsUri() + "/datasets/fashion-mnist";
        List<String> train = train(data, hadoop.hdfsUri() + RUN);
        long start = System.nanoTime();
        Process driver = synergy(train, "train-killed", false);
        try {
            Processes.awaitTrue(() -> exists(RUN + "/checkpoints/epoch-0001") || !driver.isAlive(),
                    Duration.ofMinutes(3), "the checkpoint of epoch 1");
            assertThat(driver.isAlive()).as("driver still running; its log:%n%s",
                    SparkSubmit.tail(dir.resolve("train-killed.log"), 40)).isTrue();
        } finally {
            Processes.kill(driver.toHandle());
        }
        System.out.printf("bin/synergy train (killed after epoch 1): %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertThat(hadoop.exists(RUN + "/" + RunFolder.LOCK)).as("the killed driver's lock").isTrue();
        assertThat(hadoop.exists(RUN + "/model.zip")).isFalse();

        Result resumed = run(concat(train, "--resume"), "train-resumed", false);
        assertThat(resumed.exit()).as("exit code; log:%n%s", resumed.tail()).isZero();
        assertThat(resumed.output()).contains("resuming from " + hadoop.hdfsUri() + RUN
                + "/checkpoints/epoch-0001 (epoch 1 of 2 done)");
        assertThat(metrics(RUN)).extracting(EpochMetrics::epoch).containsExactly(1, 2);
        assertThat(metrics(RUN).get(1).testTop1()).isGreaterThan(0.8);
        assertThat(hadoop.exists(RUN + "/model.zip")).isTrue();
        assertThat(hadoop.exists(RUN + "/" + RunFolder.LOCK)).as("lock released").isFalse();

        // TensorBoard: a file per start (the killed driver's was flushed, never closed); the resumed run's holds the
        // rounds of epoch 2, numbered on from epoch 1's, then epoch 2 with metrics.jsonl's figures
        org.apache.hadoop.fs.FileStatus[] events = hadoop.fileSystem().listStatus(
                new org.apache.hadoop.fs.Path(RUN + "/" + RunFolder.TENSORBOARD));
        assertThat(events).hasSize(2);
        java.util.Arrays.sort(events, java.util.Comparator.comparing(f -> f.getPath().getName()));
        byte[] resumedFile;
        try (java.io.InputStream in = hadoop.fileSystem().open(events[1].getPath())) {
            resumedFile = in.readAllBytes();
        }
        List<ai.synergy.tensorboard.EventFileReader.Event> resumedEvents =
                ai.synergy.tensorboard.EventFileReader.events(resumedFile);
        int rounds = resumedEvents.size() - 2; // after the file version, before the epoch
        assertThat(rounds).isPositive();
        List<Long> steps = resumedEvents.stream().skip(1).map(ai.synergy.tensorboard.EventFileReader.Event::step)
                .toList();
        for (int i = 0; i < rounds; i++) {
            assertThat(steps.get(i)).isEqualTo(rounds + i + 1L);
        }
        assertThat(steps.get(rounds)).isEqualTo(2L);
        assertThat(resumedEvents.get(rounds + 1).scalars()).containsEntry("epoch/test_top1",
                (float) metrics(RUN).get(1).testTop1());
    }

    @Test
    @Order(2)
    void evaluateAndReportReachTheRunAsHdfsSlashSlashSlashThroughHadoopConfDir() throws Exception {
        assumeTrue(hadoop.exists(RUN + "/model.zip"), "the run of the first test");
        Result evaluate = run(List.of("evaluate", "--model", "hdfs://" + RUN + "/model.zip", "--data",
                "idx:hdfs:///datasets/fashion-mnist", "--result", "hdfs://" + RUN + "/evaluation.json"),
                "evaluate", true);
        assertThat(evaluate.exit()).as("exit code; log:%n%s", evaluate.tail()).isZero();
        assertThat(evaluate.output()).contains("\"top1\"");
        assertThat(hadoop.read(RUN + "/evaluation.json")).contains("\"examples\":256");

        // the report is removed first, so that it exists again only if `synergy report` wrote it (no clock involved)
        assertThat(hadoop.fileSystem().delete(new org.apache.hadoop.fs.Path(RUN + "/report.md"), false)).isTrue();
        Result report = run(List.of("report", "hdfs://" + RUN), "report", true);
        assertThat(report.exit()).as("exit code; log:%n%s", report.tail()).isZero();
        assertThat(hadoop.exists(RUN + "/report.md")).isTrue();
        assertThat(hadoop.read(RUN + "/report.md")).contains("resnet8");

        // without the cluster's configuration hdfs:/// has no NameNode to go to: one line, nothing written
        Result lost = run(List.of("report", "hdfs://" + RUN), "report-without-conf", false);
        assertThat(lost.exit()).isNotZero();
        List<String> lines = lost.output().lines().filter(l -> l.startsWith("synergy:")).toList();
        assertThat(lines).hasSize(1);
        System.out.println("report without HADOOP_CONF_DIR: " + lines.get(0));
    }

    @Test
    @Order(3)
    void prepareWritesShardsToHdfsAndTrainReadsThem() throws Exception {
        IlsvrcTree tree = IlsvrcTree.write(dir.resolve("ilsvrc"), 4, 16, 16, 5);
        hadoop.upload(dir.resolve("ilsvrc"), "/datasets/ilsvrc");
        Result prepare = run(List.of("prepare", "--input", "hdfs:///datasets/ilsvrc", "--output",
                "hdfs:///datasets/shards", "--shards", "2", "--short-side", "0"), "prepare", true);
        assertThat(prepare.exit()).as("exit code; log:%n%s", prepare.tail()).isZero();
        assertThat(hadoop.exists("/datasets/shards/manifest.json")).isTrue();
        assertThat(hadoop.exists("/datasets/shards/train-00000-of-00002.tar")).isTrue();

        Result train = run(List.of("train", "--data", "imagenet:hdfs:///datasets/shards", "--image-size", "32",
                "--augment", "flip", "--eval-crop", "1", "--model", "resnet8", "--epochs", "1", "--workers", "2",
                "--batch-size", "8", "--out", "hdfs:///runs/jpeg"), "train-jpeg", true);
        assertThat(train.exit()).as("exit code; log:%n%s", train.tail()).isZero();
        List<EpochMetrics> metrics = metrics("/runs/jpeg");
        assertThat(metrics).hasSize(1);
        assertThat(metrics.get(0).testExamples()).isEqualTo(tree.expectedGoodVal());
        assertThat(hadoop.exists("/runs/jpeg/model.zip")).isTrue();
    }

    private static boolean exists(String path) {
        try {
            return hadoop.exists(path);
        } catch (IOException e) {
            return false;
        }
    }
}
