package ai.synergy.engines;

import ai.synergy.cluster.LoopbackCluster;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.testing.IdxFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shaded jar submitted by Spark's own spark-submit (separate JVM) to a real standalone cluster on 127.0.0.1 (the
 * loopback cluster: master and two workers as plain JVMs on a Spark 3.5 distribution's jars, every connection
 * authenticated) with {@code cluster-conf/spark-defaults.standalone.conf} and the README's lines, only the sizes
 * scaled to this machine, data and run on HDFS as {@code hdfs:///path}: client mode, and cluster mode, where the
 * worker launches the driver (it needs the file's Java 17 flags) and spark-submit waits for it to end.
 */
@Tag("integration")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class StandaloneEngineTest {
    static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(5);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static MiniHadoop hadoop;
    static LoopbackCluster cluster;
    static SparkHome submitHost;
    static Processes.Watch watch;

    @BeforeAll
    static void startCluster() throws Exception {
        watch = new Processes.Watch(Duration.ofSeconds(1));
        hadoop = MiniHadoop.hdfs(dir.resolve("hadoop"));
        IdxFixtures.write(dir.resolve("fashion-mnist"), 1024, 256, 5);
        hadoop.upload(dir.resolve("fashion-mnist"), "/datasets/fashion-mnist");
        // every node's Spark installation holds the two files in conf/, as the README says; here the workers' home
        Path workersHome = dir.resolve("cluster");
        SparkHome.create(workersHome, "log4j2.properties", "metrics.properties");
        cluster = LoopbackCluster.start(new LoopbackCluster.Options(2, 2, "3g", workersHome,
                SparkHome.distributionJars(), Map.of(), Duration.ofSeconds(120)));
        submitHost = SparkHome.create(dir.resolve("spark-home"), "log4j2.properties", "metrics.properties");
        SparkHome.appJar();
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (cluster != null) {
                cluster.close();
            }
            if (hadoop != null) {
                hadoop.close();
            }
        } finally {
            if (watch != null) {
                watch.assertCleanEnd();
            }
        }
    }

    /** The submitting host's environment: the HDFS client configuration and the cluster's shared secret. */
    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>(cluster.authEnvironment());
        env.put("HADOOP_CONF_DIR", hadoop.confDir().toString());
        env.put("SPARK_LOCAL_IP", MiniHadoop.HOST);
        return env;
    }

    static List<String> submit(String deployMode, String out) throws IOException {
        return SubmitLines.concat(SubmitLines.standalone(cluster.masterUrl(), deployMode, 2),
                SubmitLines.testSizes(SubmitLines.STANDALONE_CONF),
                // the loopback cluster authenticates every connection (its own set-up, like a site's)
                List.of("--conf", "spark.authenticate=true"),
                SubmitLines.application(),
                List.of("train", "--data", "fashion-mnist", "--data-dir", "hdfs:///datasets/fashion-mnist",
                        "--model", "resnet8", "--epochs", "1", "--workers", "2", "--batch-size", "32", "--lr", "0.05",
                        "--lr-schedule", "constant", "--out", out));
    }

    static List<EpochMetrics> metrics(String run) throws IOException {
        return MetricsLog.readAll(new ByteArrayInputStream(hadoop.read(run + "/metrics.jsonl")
                .getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode masterState() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(cluster.masterUi().resolve("/json/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    @Test
    void clientMode() throws Exception {
        String run = "/runs/client-mode";
        SparkSubmit.Finished done;
        try (SparkSubmit.Started started = SparkSubmit.start(submitHost, env(), submit("client", "hdfs://" + run),
                dir.resolve("client-mode.log"))) {
            // the job's executors are JVMs of their own, started by the workers
            Processes.awaitTrue(() -> cluster.executors().size() == 2 || !started.process().isAlive(),
                    Duration.ofMinutes(2), "two executor JVMs");
            done = started.await(SUBMIT_TIMEOUT);
        }
        assertThat(done.exitCode()).as("spark-submit's exit code; its log:%n%s", done.tail()).isZero();
        assertThat(done.log()).contains("test top-1");
        assertThat(metrics(run)).extracting(EpochMetrics::epoch).containsExactly(1);
        assertThat(metrics(run).get(0).testTop1()).isGreaterThan(0.8);
        assertThat(hadoop.exists(run + "/model.zip")).isTrue();
        // conf/ of the submitting host: cluster-conf's logging (HH:mm:ss layout) and metrics read without error
        assertThat(done.log()).containsPattern("(?m)^\\d\\d:\\d\\d:\\d\\d (WARN|INFO|ERROR) ")
                .doesNotContain("Error loading configuration file")
                .doesNotContain("File not found in file system or classpath");
        System.out.printf("standalone client mode: %.1f s%n", done.took().toMillis() / 1e3);
    }

    @Test
    void clusterModeWaitsForTheDriverTheWorkerLaunched() throws Exception {
        String run = "/runs/cluster-mode";
        JsonNode before = masterState();
        SparkSubmit.Finished done = SparkSubmit.run(submitHost, env(), submit("cluster", "hdfs://" + run),
                dir.resolve("cluster-mode.log"), SUBMIT_TIMEOUT);
        assertThat(done.exitCode()).as("spark-submit's exit code; its log:%n%s", done.tail()).isZero();
        // spark-submit returned when the driver had ended (spark.standalone.submit.waitAppCompletion): the run is
        // complete, and the master reports the driver FINISHED (spark-submit's exit code would be 0 either way)
        assertThat(hadoop.exists(run + "/model.zip")).as("the run finished before spark-submit returned").isTrue();
        assertThat(metrics(run)).extracting(EpochMetrics::epoch).containsExactly(1);
        JsonNode drivers = masterState().path("completeddrivers");
        assertThat(drivers.size()).isEqualTo(before.path("completeddrivers").size() + 1);
        JsonNode driver = drivers.get(drivers.size() - 1);
        assertThat(driver.path("state").asText()).as(driver.toString()).isEqualTo("FINISHED");
        String driverId = driver.path("id").asText();
        assertThat(done.log()).contains(driverId);
        String stdout = driverOutput(driverId, "stdout");
        assertThat(stdout).contains("test top-1");
        // the worker launched the driver with the file's Java 17 flags, and conf/ of the workers' installation
        assertThat(driverOutput(driverId, "stderr")).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")
                .doesNotContain("InaccessibleObjectException")
                .doesNotContain("Error loading configuration file");
        System.out.printf("standalone cluster mode: %.1f s%n", done.took().toMillis() / 1e3);
    }

    /** A file of the driver's folder in a worker's work folder ({@code work/worker-*&#47;driver-...}). */
    static String driverOutput(String driverId, String file) throws IOException {
        try (Stream<Path> found = Files.find(dir.resolve("cluster").resolve("work"), 3,
                (p, a) -> p.getFileName().toString().equals(file) && p.getParent().getFileName().toString()
                        .equals(driverId))) {
            Path path = found.findFirst().orElseThrow(() -> new AssertionError("no " + file + " of " + driverId));
            return Files.readString(path);
        }
    }
}
