package ai.synergy.jobs;

import ai.synergy.run.RunFolder;
import ai.synergy.metrics.RoundMetrics;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.pruning.LayerPruning;
import ai.synergy.pruning.Masks;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.quantization.Codebooks;
import ai.synergy.quantization.CompactModel;
import ai.synergy.quantization.InqCodebook;
import ai.synergy.quantization.Partition;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.dataset.DataSpec;
import ai.synergy.adversarial.Pgd;
import ai.synergy.training.AdversarialTraining;
import ai.synergy.training.QuantizationMethod;
import ai.synergy.training.QuantizeConfig;
import ai.synergy.training.TrainConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The quantize job on 2 Spark workers: codebooks, frozen weights kept bit for bit, resume, compact export. */
class QuantizeJobTest extends LocalSparkTest {
    static DataSpec data;
    static Path model;
    static ComputationGraph trained;

    @BeforeAll
    static void trainAModel() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 512, 128, 17);
        TrainConfig config = TrainConfig.builder().data(data).model("resnet8").learningRate(0.05).weightDecay(5e-4)
                .schedule(LearningRateSchedule.Type.CONSTANT).epochs(2).workers(2).batchSizePerWorker(32)
                .averagingFrequency(3).evalBatchSize(128).seed(5).keepCheckpoints(1).build();
        Path out = dir.resolve("trained");
        new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0), quiet()).run();
        model = out.resolve(RunFolder.MODEL);
        trained = ModelSerializer.restoreComputationGraph(model.toFile());
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    static QuantizeConfig config(Path source, QuantizationMethod method, int bits, List<Double> portions) {
        return QuantizeConfig.builder().data(data).model(source.toString()).method(method).bits(bits)
                .portions(portions).mlqStages(2).epochsPerRound(1).learningRate(0.01).workers(2).batchSizePerWorker(32)
                .averagingFrequency(3).evalBatchSize(128).seed(5).build();
    }

    static QuantizeJob.Result run(QuantizeConfig config, Path out, boolean resume, int stopAfter) throws IOException {
        return new QuantizeJob(jsc, config, new QuantizeJob.RunOptions(out.toString(), resume, stopAfter), quiet())
                .run();
    }

    static ComputationGraph load(Path zip) throws IOException {
        return ModelSerializer.restoreComputationGraph(zip.toFile());
    }

    /** Bit patterns of the weights where {@code mask} is 1. */
    static int[] bitsWhere(INDArray w, INDArray mask) {
        float[] v = w.dup('c').data().asFloat();
        double[] m = mask.dup('c').data().asDouble();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = m[i] == 1 ? Float.floatToRawIntBits(v[i]) : 0;
        }
        return out;
    }

    @Test
    void inqFiveBitsOnTwoWorkersKeepsFrozenWeightsBitForBitResumesAndExportsCompactly() throws Exception {
        QuantizeConfig config = config(model, QuantizationMethod.INQ, 5, List.of(0.5, 0.75, 1.0));
        Path straight = dir.resolve("inq");
        QuantizeJob.Result full = run(config, straight, false, 0);

        assertThat(full.rounds()).extracting(RoundMetrics::round).containsExactly(1, 2, 3);
        assertThat(full.rounds().get(0).frozenFraction()).isBetween(0.49, 0.51);
        assertThat(full.rounds().get(2).frozenFraction()).isEqualTo(1.0);
        assertThat(full.rounds().get(2).trainLoss()).isNull();
        assertThat(full.rounds().get(2).testTop1()).isGreaterThan(0.8);

        ComputationGraph quantized = load(straight.resolve(RunFolder.MODEL));
        Map<String, INDArray> original = PrunableLayers.weights(trained);
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(quantized).entrySet()) {
            double[] codebook = InqCodebook.of(original.get(e.getKey()), 5).values();
            assertThat(Codebooks.allInCodebook(e.getValue(), codebook)).as(e.getKey()).isTrue();
            assertThat(Codebooks.distinctCount(e.getValue())).as(e.getKey()).isLessThanOrEqualTo(17);
        }
        // biases and batch norm stay float: the stem's batch-norm scale is not all powers of two
        assertThat(Codebooks.distinctCount(quantized.getParam("stem_bn_gamma"))).isGreaterThan(3);

        // interrupted after round 1, resumed: the weights frozen in round 1 never change again, and the end is the
        // uninterrupted run's
        Path interrupted = dir.resolve("inq-interrupted");
        QuantizeJob.Result first = run(config, interrupted, false, 1);
        assertThat(first.finished()).isFalse();
        ComputationGraph afterRound1 = load(interrupted.resolve("checkpoints/round-0001/model.zip"));
        QuantizeJob.Result resumed = run(config, interrupted, true, 0);
        assertThat(resumed.model().params().sub(full.model().params()).amaxNumber().doubleValue()).isLessThan(1e-6);
        Map<String, INDArray> round1 = PrunableLayers.weights(afterRound1);
        Map<String, INDArray> end = PrunableLayers.weights(resumed.model());
        for (Map.Entry<String, INDArray> e : original.entrySet()) {
            INDArray frozenInRound1 = Partition.magnitude(e.getValue(), null, 0.5);
            assertThat(bitsWhere(end.get(e.getKey()), frozenInRound1)).as(e.getKey())
                    .isEqualTo(bitsWhere(round1.get(e.getKey()), frozenInRound1));
        }

        // the compact export rebuilds model.zip bit for bit, several times smaller
        ComputationGraph compact;
        try (InputStream in = Files.newInputStream(straight.resolve(RunFolder.COMPACT_MODEL))) {
            compact = CompactModel.read(in, "model-compact.zip");
        }
        assertThat(bitsWhere(compact.params(), compact.params().ulike().assign(1)))
                .isEqualTo(bitsWhere(quantized.params(), quantized.params().ulike().assign(1)));
        assertThat(full.compact().compression()).isGreaterThan(4);
        String report = Files.readString(straight.resolve("report.md"));
        assertThat(report).contains("# Quantization run: inq 5-bit", "Finished: 3 rounds", "](rounds.png)",
                "100.00%", String.format("%.1fx smaller", full.compact().compression()));
        assertThat(report.lines().filter(l -> l.matches("\\| [123] \\| .*"))).hasSize(3);
        assertThat(Files.size(straight.resolve("rounds.png"))).isGreaterThan(1000);
        assertThat(Files.readString(straight.resolve(RunFolder.QUANTIZATION_REPORT))).contains("\"bits\" : 5");

        assertThatThrownBy(() -> run(config, straight, false, 0)).hasMessageContaining("holds a finished quantize run");
    }

    @Test
    void slqAndMlqEndWithTheirCodebookSizesAndKeepEarlierRoundsFrozen() throws Exception {
        QuantizeJob.Result slq = run(config(model, QuantizationMethod.SLQ, 5, List.of(0.5, 1.0)), dir.resolve("slq"),
                false, 0);
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(slq.model()).entrySet()) {
            assertThat(Codebooks.distinctCount(e.getValue())).as("slq " + e.getKey()).isLessThanOrEqualTo(17);
        }
        assertThat(slq.rounds().get(1).testTop1()).isGreaterThan(0.8);

        Path mlqOut = dir.resolve("mlq");
        QuantizeJob.Result mlq = run(config(model, QuantizationMethod.MLQ, 2, List.of(1.0)), mlqOut, false, 0);
        assertThat(mlq.rounds()).hasSize(2);
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(mlq.model()).entrySet()) {
            assertThat(Codebooks.distinctCount(e.getValue())).as("mlq " + e.getKey()).isLessThanOrEqualTo(3);
        }
        // the layers of stage 1 are bit-identical from round 1 to the end
        ComputationGraph afterStage1 = load(mlqOut.resolve("checkpoints/round-0001/model.zip"));
        long identical = PrunableLayers.weights(afterStage1).entrySet().stream()
                .filter(e -> e.getValue().equals(PrunableLayers.weights(mlq.model()).get(e.getKey())))
                .count();
        assertThat(identical).isGreaterThanOrEqualTo(PrunableLayers.weights(afterStage1).size() / 2);
    }

    @Test
    void aPrunedModelKeepsItsZerosAndQuantizesTheRest() throws Exception {
        ComputationGraph pruned = trained.clone();
        Map<String, INDArray> weights = PrunableLayers.weights(pruned);
        Masks masks = Masks.hardPrune(weights, LayerPruning.plan(weights, PruningScheme.IRREGULAR,
                PruningRatios.uniform(0.6)));
        Path zip = dir.resolve("pruned.zip");
        ModelSerializer.writeModel(pruned, zip.toFile(), false);

        QuantizeJob.Result result = run(config(zip, QuantizationMethod.INQ, 5, List.of(0.5, 1.0)),
                dir.resolve("inq-pruned"), false, 0);
        Map<String, INDArray> end = PrunableLayers.weights(result.model());
        for (String layer : masks.layers()) {
            INDArray prunedPositions = masks.mask(layer).rsub(1);
            assertThat(end.get(layer).mul(prunedPositions).amaxNumber().doubleValue()).as(layer).isZero();
            assertThat(end.get(layer).neq(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT64).sumNumber()
                    .longValue()).as(layer).isLessThanOrEqualTo(masks.kept(layer));
        }
        assertThat(result.rounds().get(0).frozenFraction()).isBetween(0.79, 0.81); // .6 pruned + .5 of the other .4
    }

    /**
     * {@code quantize --adversarial pgd}: the retraining minibatches are PGD examples. From the same model, seed and
     * minibatches, the first round's retraining loss on them is far above natural retraining's (the model was trained
     * naturally, so PGD at eps 0.3 raises its loss many times over), the retrained weights differ, and the frozen
     * weights are still exactly their codebook values; the setting is recorded in the run's state.
     */
    @Test
    void adversarialRetrainingTrainsOnPgdExamplesAndKeepsFrozenWeights() throws Exception {
        QuantizeConfig natural = config(model, QuantizationMethod.INQ, 5, List.of(0.5, 1.0));
        QuantizeConfig pgd = QuantizeConfig.builder().data(data)
                .model(model.toString()).method(QuantizationMethod.INQ).bits(5).portions(List.of(0.5, 1.0))
                .epochsPerRound(1).learningRate(0.01).workers(2).batchSizePerWorker(32).averagingFrequency(3)
                .evalBatchSize(128).seed(5)
                .adversarial(new AdversarialTraining(new Pgd(0.3, 0.1, 3, true), 1)).build();
        QuantizeJob.Result plain = run(natural, dir.resolve("inq-natural"), false, 0);
        QuantizeJob.Result robust = run(pgd, dir.resolve("inq-pgd"), false, 0);

        double naturalLoss = plain.rounds().get(0).trainLoss();
        double adversarialLoss = robust.rounds().get(0).trainLoss();
        assertThat(adversarialLoss).as("round 1 retraining loss on PGD examples vs natural %s", naturalLoss)
                .isGreaterThan(3 * naturalLoss);
        assertThat(robust.model().params().sub(plain.model().params()).amaxNumber().doubleValue())
                .isGreaterThan(1e-4);
        Map<String, INDArray> original = PrunableLayers.weights(trained);
        for (Map.Entry<String, INDArray> e : PrunableLayers.weights(robust.model()).entrySet()) {
            double[] codebook = InqCodebook.of(original.get(e.getKey()), 5).values();
            assertThat(Codebooks.allInCodebook(e.getValue(), codebook)).as(e.getKey()).isTrue();
        }
        assertThat(Files.readString(dir.resolve("inq-pgd").resolve(RunFolder.MODEL_PROVENANCE)))
                .contains("\"adversarial\"", "\"eps\" : 0.3");
    }
}
