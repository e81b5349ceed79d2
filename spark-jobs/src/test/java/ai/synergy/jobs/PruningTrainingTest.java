package ai.synergy.jobs;

import ai.synergy.run.RunFolder;
import ai.synergy.adversarial.Pgd;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.Projections;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.PruningConfig;
import ai.synergy.training.TrainConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PGD adversarial training with ADMM pruning on 2 Spark workers: stages, exact sparsity in the model and in every
 * checkpoint after hard pruning, the ADMM state through a checkpoint (resume), and the sparsity report.
 */
class PruningTrainingTest extends LocalSparkTest {
    private static final double RATIO = 0.8;
    static DataSpec data;

    @BeforeAll
    static void data() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 512, 128, 13);
    }

    /** 1 dense epoch, 2 ADMM epochs (updates after each), 1 masked retraining epoch, PGD-2 on every minibatch. */
    static TrainConfig config(int admmEpochs) {
        return config(1, admmEpochs, null);
    }

    static TrainConfig config(int denseEpochs, int admmEpochs, String initModel) {
        PruningConfig pruning = PruningConfig.admm(PruningRatios.uniform(RATIO)).withAdmm(new AdmmConfig(1e-2, 1.3))
                .withEpochs(admmEpochs, 1, 1);
        return TrainConfig.builder().data(data).model("resnet8")
                .adversarial(new AdversarialTraining(new Pgd(0.1, 0.05, 2, true), 0.5)).pruning(pruning)
                .learningRate(0.05).weightDecay(5e-4).schedule(LearningRateSchedule.Type.CONSTANT).epochs(denseEpochs)
                .workers(2).batchSizePerWorker(32).averagingFrequency(3).evalBatchSize(128).seed(5)
                .keepCheckpoints(10).initModel(initModel).build();
    }

    static TrainJob.Result run(TrainConfig config, Path out, boolean resume, int stopAfter) throws IOException {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), resume, stopAfter), quiet).run();
    }

    /** Exact top-k: every pruned layer has exactly round(p n) zeros. */
    static void assertExactlyPruned(ComputationGraph graph, String where) {
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(graph).entrySet()) {
            INDArray w = e.getValue();
            long nonzero = w.neq(0).castTo(DataType.INT64).sumNumber().longValue();
            assertThat(nonzero).as("%s: nonzero weights of %s", where, e.getKey())
                    .isEqualTo(Projections.keptCount((int) w.length(), RATIO));
        }
    }

    @Test
    void robustAndSparseOnTwoWorkersWithExactZerosInModelAndCheckpointsAndAResumableAdmmState() throws Exception {
        Path out = dir.resolve("straight");
        TrainJob.Result full = run(config(2), out, false, 0);

        assertThat(full.metrics()).extracting(m -> m.pruning().stage())
                .containsExactly("dense", "admm", "admm", "retrain");
        EpochMetrics.Pruning admm = full.metrics().get(2).pruning();
        assertThat(admm.admmResidual()).isNotNull().isPositive();
        assertThat(full.metrics().get(0).pruning().sparsity()).isLessThan(0.01);
        assertThat(full.metrics().get(3).pruning().sparsity()).isBetween(RATIO - 0.01, RATIO + 0.01);
        assertThat(full.metrics().get(3).testTop1()).isGreaterThan(0.5);

        ComputationGraph exported = ModelSerializer.restoreComputationGraph(out.resolve("model.zip").toFile());
        assertExactlyPruned(exported, "model.zip");
        ComputationGraph lastCheckpoint = ModelSerializer.restoreComputationGraph(
                out.resolve("checkpoints/epoch-0004/model.zip").toFile());
        assertExactlyPruned(lastCheckpoint, "checkpoint 4");
        assertThat(lastCheckpoint.params()).isEqualTo(exported.params());
        ComputationGraph beforeHardPruning = ModelSerializer.restoreComputationGraph(
                out.resolve("checkpoints/epoch-0003/model.zip").toFile());
        long zerosBefore = PrunableLayers.weights(beforeHardPruning).values().stream()
                .mapToLong(w -> w.eq(0).castTo(DataType.INT64).sumNumber().longValue()).sum();
        assertThat(zerosBefore).isZero();

        JsonNode report = new ObjectMapper().readTree(out.resolve(RunFolder.SPARSITY).toFile());
        assertThat(report.get("layers")).hasSize(PrunableLayers.weights(exported).size());
        assertThat(report.get("sparsity").asDouble()).isBetween(RATIO - 0.01, RATIO + 0.01);
        assertThat(report.get("sparseExportBytes").asLong()).isLessThan(report.get("denseExportBytes").asLong() / 2);
        assertThat(report.get("totalParameters").asLong()).isEqualTo(exported.numParams());

        // stopped in the middle of ADMM and resumed: Z, U and rho come back from the checkpoint
        Path interrupted = dir.resolve("interrupted");
        run(config(2), interrupted, false, 2);
        assertThatThrownBy(() -> run(config(3), interrupted, true, 0))
                .hasMessageContaining("--resume").hasMessageContaining("pruning.admmEpochs: 2 in the checkpoint, 3 now")
                .hasMessageContaining("cannot change");
        TrainJob.Result resumed = run(config(2), interrupted, true, 0);
        double maxDiff = resumed.model().params().sub(full.model().params()).amaxNumber().doubleValue();
        assertThat(maxDiff).isLessThan(1e-5);
        assertThat(resumed.metrics()).extracting(EpochMetrics::testTop1)
                .isEqualTo(full.metrics().stream().map(EpochMetrics::testTop1).toList());

        assertThatThrownBy(() -> run(config(2), interrupted, true, 0))
                .hasMessageContaining("--resume").hasMessageContaining("holds a finished train run");

        // pruning a trained model (--init-model, no dense epochs) starts from its parameters
        Path pruneOnly = dir.resolve("prune-only");
        TrainJob.Result pruned = run(config(0, 0, out.resolve("model.zip").toString()), pruneOnly, false, 1);
        assertThat(pruned.metrics()).extracting(m -> m.pruning().stage()).containsExactly("retrain");
        ComputationGraph first = ModelSerializer.restoreComputationGraph(
                pruneOnly.resolve("checkpoints/epoch-0001/model.zip").toFile());
        assertExactlyPruned(first, "one-shot pruned from model.zip");
        assertThat(pruned.metrics().get(0).testTop1()).isGreaterThan(0.5);
    }

    @Test
    void anInitModelOfAnotherArchitectureIsRefusedNamingTheFlagAndWritesNothing() throws Exception {
        ModelSpec other = new ModelSpec(ModelArchitecture.parse("resnet14"), 1, 1, 28, 28, 10, data.mean(),
                data.std(), 5);
        Path zip = dir.resolve("resnet14.zip");
        ModelSerializer.writeModel(ai.synergy.model.ResNets.create(other, new OptimizerSpec(0.1, 0.9, 0)),
                zip.toFile(), false);
        Path out = dir.resolve("refused");
        assertThatThrownBy(() -> run(config(0, 1, zip.toString()), out, false, 0))
                .hasMessageStartingWith("--init-model: ").hasMessageContaining("resnet14.zip");
        assertThat(out.resolve("checkpoints")).doesNotExist();
        assertThatThrownBy(() -> run(config(0, 1, dir.resolve("missing.zip").toString()), out, false, 0))
                .hasMessageContaining("--init-model").hasMessageContaining("does not exist");
    }
}
