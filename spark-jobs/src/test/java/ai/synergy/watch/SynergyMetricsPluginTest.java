package ai.synergy.watch;

import ai.synergy.dataset.DataSpec;
import ai.synergy.jobs.TrainJob;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.spark.SparkContexts;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.training.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gauges over HTTP as Prometheus scrapes them: a local-mode train run with the plugin on, the driver's UI on
 * 127.0.0.1 (ephemeral port) and the Prometheus servlet sink, scraped at {@code /metrics/prometheus} in the middle of
 * the run (when the first epoch's line is printed: every round of epoch 1 is done, the epoch not yet recorded) and
 * after it.
 */
@Tag("integration")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SynergyMetricsPluginTest {
    /** 512 training images on 2 workers in minibatches of 32, averaging every 3: 8 minibatches, 3 rounds an epoch. */
    static final int ROUNDS = 3;
    static final Pattern GAUGE = Pattern.compile(
            "metrics_.*_driver_plugin_ai_synergy_watch_SynergyMetricsPlugin_(\\w+)_Value\\{type=\"gauges\"} (\\S+)");

    @TempDir
    Path dir;

    @Test
    void theDriverServesTheTrainingGaugesAtItsPrometheusEndpoint() throws Exception {
        DataSpec data = IdxFixtures.dataSpec(dir.resolve("data"), 512, 128, 17);
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").learningRate(0.05).weightDecay(5e-4)
                .schedule(LearningRateSchedule.Type.COSINE).epochs(2).workers(2).batchSizePerWorker(32)
                .averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(1).build();
        SparkConf conf = new SparkConf().setAppName("SynergyMetricsPluginTest")
                .set("spark.ui.enabled", "true").set("spark.ui.port", "0")
                .set("spark.plugins", SynergyMetricsPlugin.class.getName())
                .set("spark.metrics.conf.*.sink.prometheusServlet.class",
                        "org.apache.spark.metrics.sink.PrometheusServlet")
                .set("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus");
        JavaSparkContext jsc = SparkContexts.start(SparkContexts.withDefaults(conf, 2));
        try {
            String ui = jsc.sc().uiWebUrl().get();
            assertThat(ui).startsWith("http://127.0.0.1:");
            // the servlet answers here (a 302 redirect without the slash)
            URI endpoint = URI.create(ui + "/metrics/prometheus/");
            Map<String, Double> before = scrape(endpoint);
            assertThat(before).containsKeys("epoch", "round", "images_per_second", "train_loss", "learning_rate",
                    "test_top1", "test_top5", "pruning_stage", "admm_residual", "sparsity", "quantization_round",
                    "quantized_fraction", "compute_share", "data_share", "averaging_share", "scheduling_share");

            List<Map<String, Double>> midRun = new ArrayList<>();
            PrintStream console = new PrintStream(new LineTap(line -> {
                if (line.startsWith("epoch 1/2")) {
                    midRun.add(scrape(endpoint));
                }
            }), true, StandardCharsets.UTF_8);
            TrainJob.Result result = new TrainJob(jsc, config, new TrainJob.RunOptions(
                    dir.resolve("run").toString(), false, 0), console).run();
            assertThat(result.finished()).isTrue();

            assertThat(midRun).hasSize(1);
            Map<String, Double> mid = midRun.get(0);
            assertThat(mid.get("round")).isEqualTo(ROUNDS);
            assertThat(mid.get("train_loss")).isPositive();
            assertThat(mid.get("learning_rate")).isPositive();
            assertThat(mid.get("images_per_second")).isPositive();
            assertThat(mid.get("epoch")).isNaN();

            Map<String, Double> after = scrape(endpoint);
            EpochMetrics last = result.metrics().get(1);
            assertThat(after.get("round")).isEqualTo(2 * ROUNDS);
            assertThat(after.get("epoch")).isEqualTo(2);
            assertThat(after.get("test_top1")).isEqualTo(last.testTop1());
            assertThat(after.get("test_top5")).isEqualTo(last.testTop5());
            assertThat(after.get("learning_rate")).isEqualTo(last.learningRate());
            assertThat(after.get("compute_share")).isBetween(0.0, 1.0).isPositive();
            assertThat(after.get("compute_share") + after.get("data_share") + after.get("averaging_share")
                    + after.get("scheduling_share")).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(after.get("quantization_round")).isNaN();
            assertThat(after.get("sparsity")).isNaN();
        } finally {
            jsc.stop();
        }
    }

    /** The plugin's gauges in one scrape, by name; fails unless the endpoint answers 200. */
    static Map<String, Double> scrape(URI endpoint) {
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build()
                    .send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(60)).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            Map<String, Double> gauges = new HashMap<>();
            for (String line : response.body().split("\n")) {
                Matcher m = GAUGE.matcher(line);
                if (m.matches()) {
                    gauges.put(m.group(1), Double.parseDouble(m.group(2)));
                }
            }
            return gauges;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An output stream that hands every complete line to a consumer. */
    static final class LineTap extends OutputStream {
        private final java.util.function.Consumer<String> lines;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineTap(java.util.function.Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                lines.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }
}
