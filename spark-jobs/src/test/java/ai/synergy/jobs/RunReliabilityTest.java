package ai.synergy.jobs;

import ai.synergy.cli.SynergyCli;
import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Json;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.run.RunFolder;
import ai.synergy.run.RunLock;
import ai.synergy.spark.SparkContexts;
import ai.synergy.dataset.Augmentation;
import ai.synergy.testing.FaultyFileSystem;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.TrainConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Nothing a user owns is lost and every interrupted run can be finished: the train job and the CLI against user
 * folders, an injected full disk, the leftovers of a killed job, paths with any character, and settings that can only
 * be wrong once the model is known (refused before the first epoch).
 */
class RunReliabilityTest extends LocalSparkTest {
    static DataSpec data;

    @BeforeAll
    static void start() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 256, 128, 13);
        FaultyFileSystem.install(jsc.hadoopConfiguration());
    }

    @AfterEach
    void heal() {
        FaultyFileSystem.heal();
    }

    static TrainConfig config(int epochs) {
        return TrainJobTest.config("resnet8", epochs).toBuilder().data(data).averagingFrequency(2).build();
    }

    static TrainJob.Result run(TrainConfig config, String out, boolean resume) throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new TrainJob(jsc, config, new TrainJob.RunOptions(out, resume, 0), quiet).run();
    }

    static List<String> names(Path folder) throws IOException {
        try (Stream<Path> all = Files.list(folder)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static RunFolder.Marker marker(Path out) throws IOException {
        return Json.read(Files.readString(out.resolve(RunFolder.MARKER)), RunFolder.Marker.class, "marker");
    }

    @Test
    void aRunWhoseFinalModelCouldNotBeWrittenIsFinishedByResume() throws Exception {
        Path out = dir.resolve("full-disk");
        String uri = FaultyFileSystem.uri(out);
        // the disk fills up after the last checkpoint, while the final model is written
        FaultyFileSystem.failCreate(p -> p.getName().startsWith(".model.zip") && !p.toString().contains("checkpoints"));
        assertThatThrownBy(() -> run(config(1), uri, false)).hasMessageContaining("No space left on device");
        assertThat(out.resolve("model.zip")).doesNotExist();
        assertThat(out.resolve("checkpoints/epoch-0001/model.zip")).exists();
        assertThat(marker(out).finished()).isFalse();
        assertThat(names(out)).noneMatch(name -> name.contains(".tmp-")).doesNotContain(RunFolder.LOCK);
        assertThat(Files.readString(out.resolve("report.md"))).contains("--resume");

        FaultyFileSystem.heal();
        assertThatThrownBy(() -> run(config(1), uri, false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("pass --resume");
        TrainJob.Result finished = run(config(1), uri, true);
        assertThat(finished.finished()).isTrue();
        assertThat(marker(out).finished()).isTrue();
        ComputationGraph model = ModelSerializer.restoreComputationGraph(out.resolve("model.zip").toFile(), false);
        ComputationGraph checkpoint = ModelSerializer.restoreComputationGraph(
                out.resolve("checkpoints/epoch-0001/model.zip").toFile(), false);
        assertThat(model.params()).isEqualTo(checkpoint.params());
        assertThat(Files.readString(out.resolve("report.md"))).contains("Finished");
        assertThatThrownBy(() -> run(config(1), uri, true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds a finished train run");
    }

    @Test
    void aRunKilledWhileWritingItsFirstCheckpointIsRerunByTheSameCommand() throws Exception {
        Path out = dir.resolve("killed-in-checkpoint");
        // what kill -9 in the middle of the first checkpoint leaves: the marker, a half temporary checkpoint, and the
        // dead driver's lock
        Files.createDirectories(out.resolve("checkpoints/.tmp-epoch-0001-3f2a")).resolve("model.zip").toFile()
                .createNewFile();
        Files.writeString(out.resolve(RunFolder.MARKER), Json.write(new RunFolder.Marker("train",
                "2026-12-01T00:00:00Z", null)));
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor()).isZero();
        Files.writeString(out.resolve(RunFolder.LOCK), Json.write(new RunLock.Owner(
                java.net.InetAddress.getLocalHost().getHostName(), gone.pid(), "train", "2026-12-01T00:00:00Z", "x")));

        TrainJob.Result result = run(config(1), out.toString(), true);
        assertThat(result.finished()).isTrue();
        try (Stream<Path> checkpoints = Files.list(out.resolve("checkpoints"))) {
            assertThat(checkpoints.map(p -> p.getFileName().toString())).containsExactly("epoch-0001");
        }
        assertThat(out.resolve(RunFolder.LOCK)).doesNotExist();
    }

    @Test
    void trainIntoAFolderOfTheUsersFilesChangesNothing() throws Exception {
        Path out = Files.createDirectories(dir.resolve("users-folder"));
        Files.writeString(out.resolve("report.md"), "my report");
        Files.writeString(out.resolve("metrics.jsonl"), "my metrics");
        assertThatThrownBy(() -> run(config(1), out.toString(), false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a synergy train run").hasMessageContaining("metrics.jsonl, report.md");
        assertThat(names(out)).containsExactly("metrics.jsonl", "report.md");
        assertThat(Files.readString(out.resolve("report.md"))).isEqualTo("my report");
    }

    @Test
    void anOutputFolderWithSpacesAndAccentsHoldsTheWholeRun() throws Exception {
        Path out = dir.resolve("runs été/première 1");
        TrainJob.Result result = run(config(1), out.toString(), false);
        assertThat(result.finished()).isTrue();
        assertThat(names(out)).contains("model.zip", "model.json", "metrics.jsonl", "report.md", "checkpoints");
    }

    @Test
    void unknownLayersInPruningRatiosAreRefusedBeforeTheFirstEpoch() {
        TrainConfig c = config(1);
        PruningConfig pruning = PruningConfig.admm(new PruningRatios(Map.of("no_such_layer", 0.5), 0.9))
                .withEpochs(1, 1, 1);
        TrainConfig pruned = c.toBuilder().pruning(pruning).epochs(1).build();
        Path out = dir.resolve("bad-ratios");
        assertThatThrownBy(() -> run(pruned, out.toString(), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no_such_layer");
        assertThat(out.resolve("checkpoints")).doesNotExist();

        PruningConfig nothing = PruningConfig.admm(new PruningRatios(Map.of(), 0)).withEpochs(1, 1, 1);
        TrainConfig prunesNothing = c.toBuilder().pruning(nothing).epochs(1).build();
        Path out2 = dir.resolve("zero-ratios");
        assertThatThrownBy(() -> run(prunesNothing, out2.toString(), false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing would be pruned");
        assertThat(out2.resolve("checkpoints")).doesNotExist();
    }

    @Test
    void evaluateRefusesAResultFolderAndAModelOfAnotherInputShape() throws Exception {
        Path run = dir.resolve("for-evaluate");
        run(config(1), run.toString(), false);
        String model = run.resolve("model.zip").toString();

        Path folder = Files.createDirectories(dir.resolve("results/sub"));
        Files.writeString(dir.resolve("results/data.txt"), "important");
        StringWriter err = new StringWriter();
        int code = SparkContexts.runOn(jsc, () -> SynergyCli.execute(new PrintWriter(new StringWriter()),
                new PrintWriter(err, true), "evaluate", "--model", model, "--data", "idx:" + data.location(),
                "--result", dir.resolve("results").toString()));
        assertThat(code).isEqualTo(SynergyCli.BAD_INPUT);
        assertThat(err.toString()).startsWith("synergy: error: --result: ").contains("is a folder");
        assertThat(Files.readString(dir.resolve("results/data.txt"))).isEqualTo("important");
        assertThat(folder).isDirectory();

        DataSpec colour = new DataSpec(DataSpec.Format.IDX, "colour", data.location(), 0, 0, 10, 3, 28, 28,
                List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5), Augmentation.NONE, 1.0, ai.synergy.dataset.ShardCheck.INDEX);
        assertThatThrownBy(() -> EvaluateJob.run(jsc, model, colour, 2, 64))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--model").hasMessageContaining("does not take --data colour's 3x28x28 images")
                .satisfies(e -> assertThat(e.getMessage().lines().count()).isEqualTo(1));
    }

    @Test
    void passwordsInUrisStayOutOfMessages() {
        TrainConfig c = config(1);
        assertThatThrownBy(() -> run(c, "s3a://AKIAEXAMPLE:wJalrXUtnFEMIsecret@bucket/runs/a", false))
                .isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wJalrXUtnFEMIsecret"));
    }
}
