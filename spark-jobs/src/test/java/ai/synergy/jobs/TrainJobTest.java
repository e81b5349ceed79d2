package ai.synergy.jobs;

import ai.synergy.training.CheckpointState;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.metrics.MetricsLog;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.TrainConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The train job end to end in local[2]: outputs, checkpoint/resume equivalence, and refusals that lose nothing. */
class TrainJobTest extends LocalSparkTest {
    static DataSpec data;

    @BeforeAll
    static void start() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 768, 256, 11);
    }

    static TrainConfig config(String model, int epochs) {
        return TrainConfig.builder().data(data).model(model).learningRate(0.05)
                .schedule(LearningRateSchedule.Type.COSINE).weightDecay(5e-4).epochs(epochs).workers(2)
                .batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(2).build();
    }

    static TrainJob.Result run(TrainConfig config, Path out, boolean resume, int stopAfter) throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), resume, stopAfter), quiet).run();
    }

    @Test
    void resumedRunEndsWithTheSameParametersAsAnUninterruptedOne() throws Exception {
        Path straight = dir.resolve("straight");
        TrainJob.Result full = run(config("resnet8", 3), straight, false, 0);
        assertThat(full.finished()).isTrue();
        // the report the job rendered from memory is the one `synergy report` renders from the files
        String rendered = Files.readString(straight.resolve("report.md"));
        RunReport.write(ai.synergy.io.HadoopFiles.of(straight.toString(), jsc.hadoopConfiguration()),
                ai.synergy.io.HadoopFiles.path(straight.toString()), false);
        assertThat(Files.readString(straight.resolve("report.md"))).isEqualTo(rendered).contains("Finished: 3 epochs");

        Path interrupted = dir.resolve("interrupted");
        TrainJob.Result first = run(config("resnet8", 3), interrupted, false, 1);
        assertThat(first.finished()).isFalse();
        assertThat(Files.readString(interrupted.resolve("report.md"))).contains("Not finished: epoch 1 of 3",
                "--resume");
        assertThat(interrupted.resolve("model.zip")).doesNotExist();
        TrainJob.Result resumed = run(config("resnet8", 3), interrupted, true, 0);
        // the network restored from the checkpoint trains with the project's batch norm and convolutions, as a fresh
        // one does
        assertThat(ai.synergy.nd4j.Nd4jRuntime.helperSummary(resumed.model())).containsKey("ChannelBatchNormHelper")
                .doesNotContainKey("MKLDNNBatchNormHelper").containsKey("OneDnnConvHelper")
                .doesNotContainKey("MKLDNNConvHelper");

        double maxDiff = resumed.model().params().sub(full.model().params()).amaxNumber().doubleValue();
        assertThat(maxDiff).isLessThan(1e-5);
        assertThat(resumed.metrics()).hasSize(3);
        assertThat(resumed.metrics().get(2).testTop1()).isEqualTo(full.metrics().get(2).testTop1());

        // outputs: metrics.jsonl with one line per epoch, a plot, the model and its provenance, the newest checkpoints
        List<EpochMetrics> lines;
        try (InputStream in = Files.newInputStream(straight.resolve("metrics.jsonl"))) {
            lines = MetricsLog.readAll(in);
        }
        assertThat(lines).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
        assertThat(lines.get(2).testTop1()).isGreaterThan(0.8);
        assertThat(lines.get(2).testTop5()).isNotNull().isGreaterThanOrEqualTo(lines.get(2).testTop1());
        assertThat(lines.get(2).testExamples()).isEqualTo(256);
        assertThat(Files.size(straight.resolve("curves.png"))).isGreaterThan(1000);
        ComputationGraph exported = ModelSerializer.restoreComputationGraph(straight.resolve("model.zip").toFile());
        assertThat(exported.params()).isEqualTo(full.model().params());
        CheckpointState provenance = Json.read(Files.readString(straight.resolve("model.json")),
                CheckpointState.class, "model.json");
        assertThat(provenance.config()).isEqualTo(config("resnet8", 3));
        assertThat(provenance.dataFingerprint()).matches("train:[0-9a-f]{16},test:[0-9a-f]{16}");
        try (Stream<Path> kept = Files.list(straight.resolve("checkpoints"))) {
            assertThat(kept.map(p -> p.getFileName().toString())).containsExactly("epoch-0002", "epoch-0003");
        }

        // timings.jsonl: one time split per epoch, also across --resume; its parts add up to the epoch's time
        for (Path run : List.of(straight, interrupted)) {
            List<String> splits = Files.readAllLines(run.resolve("timings.jsonl"));
            assertThat(splits).hasSize(3);
            for (int i = 0; i < 3; i++) {
                com.fasterxml.jackson.databind.JsonNode split = Json.readTree(splits.get(i), "timings.jsonl");
                assertThat(split.path("epoch").asInt()).isEqualTo(i + 1);
                assertThat(split.path("workers").asInt()).isEqualTo(2);
                assertThat(split.path("computeSeconds").asDouble()).isPositive();
                double parts = split.path("computeSeconds").asDouble() + split.path("dataSeconds").asDouble()
                        + split.path("averagingSeconds").asDouble() + split.path("schedulingSeconds").asDouble();
                assertThat(parts).isCloseTo(split.path("wallSeconds").asDouble(), org.assertj.core.data.Offset.offset(0.01));
            }
        }

        // report.md: status, chart, final metrics, one row per epoch, provenance; `synergy report` rebuilds it
        String report = Files.readString(straight.resolve("report.md"));
        assertThat(report).contains("# Training run: resnet8 on idx:", "Finished: 3 epochs", "](curves.png)",
                String.format("| %.2f%% |", 100 * lines.get(2).testTop1()), provenance.dataFingerprint(),
                "\"epochs\" : 3");
        assertThat(report.lines().filter(l -> l.matches("\\| [123] \\| .*"))).hasSize(3);
        assertThat(Files.readString(interrupted.resolve("report.md"))).contains("Finished: 3 epochs");
        Files.delete(straight.resolve("report.md"));
        Files.delete(straight.resolve("curves.png"));
        assertThat(ai.synergy.cli.SynergyCli.execute("report", straight.toString())).isZero();
        assertThat(Files.readString(straight.resolve("report.md"))).isEqualTo(report);
        assertThat(Files.size(straight.resolve("curves.png"))).isGreaterThan(1000);
    }

    @Test
    void evaluateJobScoresTheExportedModelLikeTheLastEpoch() throws Exception {
        Path out = dir.resolve("for-evaluate");
        TrainJob.Result trained = run(config("resnet8", 1), out, false, 0);
        var counts = EvaluateJob.run(jsc, out.resolve("model.zip").toString(), data, 2, 100);
        assertThat(counts.examples()).isEqualTo(256);
        assertThat(counts.top1()).isEqualTo(trained.metrics().get(0).testTop1());

        assertThatThrownBy(() -> EvaluateJob.run(jsc, out.resolve("metrics.jsonl").toString(), data, 2, 100))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--model").hasMessageContaining("metrics.jsonl");
        assertThatThrownBy(() -> EvaluateJob.run(jsc, out.resolve("nope.zip").toString(), data, 2, 100))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    }

    @Test
    void refusesToOverwriteARunAndChangesNothing() throws Exception {
        Path out = dir.resolve("existing");
        run(config("resnet8", 2), out, false, 1);
        byte[] metricsBefore = Files.readAllBytes(out.resolve("metrics.jsonl"));
        assertThatThrownBy(() -> run(config("resnet8", 2), out, false, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--out").hasMessageContaining("holds an unfinished train run")
                .hasMessageContaining("pass --resume");
        assertThat(Files.readAllBytes(out.resolve("metrics.jsonl"))).isEqualTo(metricsBefore);

        assertThatThrownBy(() -> run(config("resnet20", 2), out, true, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--resume").hasMessageContaining("model.architecture.depth: 8 in the checkpoint, "
                        + "20 now");
        assertThat(Files.readAllBytes(out.resolve("metrics.jsonl"))).isEqualTo(metricsBefore);

        // every setting that changes what is computed must match; the message names each that does not
        TrainConfig c = config("resnet8", 2);
        TrainConfig other = c.toBuilder().learningRate(0.1).epochs(2).workers(3).build();
        assertThatThrownBy(() -> run(other, out, true, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("optimizer.learningRate: 0.05 in the checkpoint, 0.1 now")
                .hasMessageContaining("workers: 2 in the checkpoint, 3 now")
                .hasMessageContaining("--allow-changed-settings");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThatThrownBy(() -> new TrainJob(jsc, config("resnet20", 2), new TrainJob.RunOptions(out.toString(), true,
                0, true), quiet).run())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("model.architecture.depth").hasMessageContaining("cannot change");
        assertThat(Files.readAllBytes(out.resolve("metrics.jsonl"))).isEqualTo(metricsBefore);
    }

    @Test
    void divergedLossStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path out = dir.resolve("diverging");
        run(config("resnet8", 2), out, false, 1);
        byte[] good = Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip"));
        TrainConfig exploding = config("resnet8", 2).toBuilder().learningRate(1e30).weightDecay(0)
                .schedule(LearningRateSchedule.Type.CONSTANT).build();
        assertThatThrownBy(() -> run(exploding, out, true, 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--allow-changed-settings");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        assertThatThrownBy(() -> new TrainJob(jsc, exploding, new TrainJob.RunOptions(out.toString(), true, 0, true),
                quiet).run())
                .isInstanceOf(ai.synergy.training.TrainingDivergedException.class)
                .hasMessageContaining("epoch 2").hasMessageContaining("epoch-0001");
        assertThat(Files.readAllBytes(out.resolve("checkpoints/epoch-0001/model.zip"))).isEqualTo(good);
        try (Stream<Path> kept = Files.list(out.resolve("checkpoints"))) {
            assertThat(kept.map(p -> p.getFileName().toString())).containsExactly("epoch-0001");
        }
    }

    @Test
    void resumeWithoutCheckpointNamesTheFolder() {
        Path out = dir.resolve("empty");
        assertThatThrownBy(() -> run(config("resnet8", 1), out, true, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--resume: ").hasMessageContaining("empty")
                .hasMessageContaining("holds no train run to resume");
    }

    @Test
    void badDataFilesGiveAMessageNamingTheFile() throws Exception {
        Path broken = dir.resolve("broken");
        DataSpec truncated = IdxFixtures.dataSpec(broken, 64, 64, 3);
        Path images = broken.resolve("train-images-idx3-ubyte.gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length / 2));
        TrainConfig config = config("resnet8", 1).toBuilder().data(truncated).batchSizePerWorker(16)
                .averagingFrequency(1).evalBatchSize(64).seed(1).keepCheckpoints(1).build();
        assertThatThrownBy(() -> run(config, dir.resolve("out-truncated"), false, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz");

        Path mismatched = dir.resolve("mismatched");
        DataSpec mismatch = IdxFixtures.dataSpec(mismatched, 64, 64, 3);
        IdxFixtures.writeLabels(mismatched.resolve("t10k-labels-idx1-ubyte.gz"), new byte[63]);
        TrainConfig config2 = config.toBuilder().data(mismatch).build();
        assertThatThrownBy(() -> run(config2, dir.resolve("out-mismatch"), false, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("t10k-labels-idx1-ubyte.gz").hasMessageContaining("63");

        Files.delete(mismatched.resolve("t10k-images-idx3-ubyte.gz"));
        assertThatThrownBy(() -> run(config2, dir.resolve("out-missing"), false, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("t10k-images-idx3-ubyte.gz").hasMessageContaining("does not exist");
    }

    @Test
    void outputPathThatIsAFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "keep me");
        assertThatThrownBy(() -> run(config("resnet8", 1), file, false, 0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--out").hasMessageContaining("is a file");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }

    @Test
    void configAndProvenanceSurviveJson() {
        TrainConfig config = config("resnet20", 4);
        assertThat(Json.read(Json.write(config), TrainConfig.class, "test")).isEqualTo(config);
        CheckpointState state = new CheckpointState(2, config, "train:0,test:1", "abc", "2026-11-29T00:00:00Z",
                List.of(new EpochMetrics(1, 0.5, 0.1, 0.8, 0.99, 100, 300, 10, 1, null, new EpochMetrics.Pruning("admm", .25, .5))),
                List.of("after epoch 1: workers: 2 in the checkpoint, 3 now"));
        assertThat(Json.read(Json.write(state), CheckpointState.class, "test")).isEqualTo(state);
    }
}
