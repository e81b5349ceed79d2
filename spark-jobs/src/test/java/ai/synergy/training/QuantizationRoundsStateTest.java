package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.testing.HostileBytes;
import ai.synergy.checkpoint.StateFile;
import ai.synergy.config.InvalidInputException;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.quantization.FrozenWeights;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static ai.synergy.testing.ArrayBits.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The quantization state a round's checkpoint keeps: exact round trips mid-run, and refusal of anything else. */
class QuantizationRoundsStateTest {
    private static final String FILE = "hdfs://nn/run/checkpoints/round-0001/quantization.bin";
    private static final ModelSpec SPEC = new ModelSpec(ModelArchitecture.parse("resnet8"), 0.5, 1, 12, 12, 4,
            List.of(.5), List.of(.25), 3);

    /** A small ResNet with some weights pruned to 0, the state of a run on it, and SLQ's probe minibatch. */
    record Fixture(ComputationGraph network, QuantizationRounds rounds, MultiDataSet probe) {
        Fixture(QuantizationMethod method, boolean randomPartition) {
            this(prunedNetwork(), method, randomPartition);
        }

        private Fixture(ComputationGraph network, QuantizationMethod method, boolean randomPartition) {
            this(network, QuantizationRounds.start(QuantizeConfig.builder()
                            .data(DataSpec.fashionMnist("/nonexistent", 10, 10)).model("model.zip").method(method)
                            .bits(3).portions(List.of(.4, .7, 1.0)).randomPartition(randomPartition).mlqStages(3)
                            .epochsPerRound(1).learningRate(.1).workers(1).batchSizePerWorker(8).averagingFrequency(1)
                            .evalBatchSize(8).seed(11).build(),
                    PrunableLayers.weights(network), network.getConfiguration().getTopologicalOrderStr()), probeBatch());
        }

        private static ComputationGraph prunedNetwork() {
            ComputationGraph network = ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0));
            Nd4j.getRandom().setSeed(3);
            int i = 0;
            for (INDArray w : PrunableLayers.weights(network).values()) {
                if (i++ % 2 == 0) {
                    w.muli(Nd4j.rand(w.dataType(), w.shape()).gt(.3).castTo(w.dataType()));
                }
            }
            return network;
        }

        private static MultiDataSet probeBatch() {
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 12, 12);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 4);
            for (int i = 0; i < 4; i++) {
                y.putScalar(i, i, 1);
            }
            return new MultiDataSet(x, y);
        }

        /** Round {@code round} of {@code state} on {@code net}, as the driver runs it. */
        FrozenWeights round(QuantizationRounds state, ComputationGraph net, int round) {
            return state.quantizeRound(round, PrunableLayers.weights(net), new LossEffectScores(net, probe));
        }

        /** Stands in for retraining: moves every weight, then puts the frozen ones back. */
        static void retrain(ComputationGraph net, FrozenWeights frozen, long seed) {
            Map<String, INDArray> weights = PrunableLayers.weights(net);
            Nd4j.getRandom().setSeed(seed);
            for (INDArray w : weights.values()) {
                w.addi(Nd4j.randn(w.dataType(), w.shape()).muli(.01));
            }
            frozen.adjustWeights(weights);
        }
    }

    @ParameterizedTest
    @CsvSource({"INQ, false", "INQ, true", "SLQ, false", "MLQ, false"})
    void midRunStateComesBackExactlyAndTheNextRoundIsIdentical(QuantizationMethod method, boolean random) {
        Fixture f = new Fixture(method, random);
        Fixture.retrain(f.network(), f.round(f.rounds(), f.network(), 0), 1);
        byte[] bytes = f.rounds().toBytes();

        QuantizationRounds back = QuantizationRounds.fromBytes(bytes, FILE);
        assertThat(back.toBytes()).isEqualTo(bytes);
        assertThat(back.rounds()).isEqualTo(3);
        assertThat(back.layers()).isEqualTo(f.rounds().layers()).hasSizeGreaterThan(3);
        assertThat(back.frozenFraction()).isEqualTo(f.rounds().frozenFraction()).isStrictlyBetween(0.0, 1.0);
        for (String layer : back.layers()) {
            assertThat(back.inqCodebook(layer)).isEqualTo(f.rounds().inqCodebook(layer));
        }
        // the frozen sets re-impose the same values
        ComputationGraph twin = f.network().clone();
        Fixture.retrain(f.network(), f.rounds().frozenWeights(PrunableLayers.weights(f.network())), 2);
        Fixture.retrain(twin, back.frozenWeights(PrunableLayers.weights(twin)), 2);
        assertSameBits(twin.params(), f.network().params(), "parameters after re-imposing");

        // the next round quantizes the same weights to the same values, and leaves the same state
        FrozenWeights original = f.round(f.rounds(), f.network(), 1);
        FrozenWeights restored = f.round(back, twin, 1);
        assertSameBits(twin.params(), f.network().params(), "parameters after round 2");
        assertThat(back.toBytes()).isEqualTo(f.rounds().toBytes());
        assertThat(back.frozenFraction()).isEqualTo(f.rounds().frozenFraction());
        Fixture.retrain(f.network(), original, 3);
        Fixture.retrain(twin, restored, 3);
        assertSameBits(twin.params(), f.network().params(), "parameters after retraining round 2");
    }

    private static void assertUnreadable(byte[] bytes, String reason) {
        assertThatThrownBy(() -> QuantizationRounds.fromBytes(bytes, FILE))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--resume: " + FILE + " is unreadable (")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @Timeout(10)
    void javaSerializedObjectsAndOtherStatesAreRefusedWithoutInstantiatingAnything() throws IOException {
        byte[] canary = HostileBytes.javaSerialized(List.of(new HostileBytes.Canary()));
        HostileBytes.Canary.CREATED.set(0);
        assertUnreadable(canary, "Java serialization stream");
        assertThat(HostileBytes.Canary.CREATED).hasValue(0);
        assertUnreadable(HostileBytes.javaSerialized(HostileBytes.setBomb()), "Java serialization stream");
        assertUnreadable(new PruningStages.Saved(null, null).toBytes(),
                "holds pruning-stages, expected quantization-rounds");
    }

    /** The JSON shape of the quantization document, free to hold what a real run never writes. */
    record FakeRounds(String method, List<Double> portions, boolean randomPartition, long seed, List<String> layers,
                      List<List<String>> stages, List<String> prunedLayers, Map<String, FakeInq> inqCodebooks,
                      Map<String, FakeCluster> clustered) {
    }

    record FakeInq(int bits, double maxAbs) {
    }

    record FakeCluster(String dataType, double[] centroids, boolean[] quantized, Double threshold) {
    }

    record NoSeed(String method, List<Double> portions, boolean randomPartition, List<String> layers,
                  List<List<String>> stages, List<String> prunedLayers, Map<String, FakeInq> inqCodebooks,
                  Map<String, FakeCluster> clustered) {
    }

    private static final List<Double> PORTIONS = List.of(.5, 1.0);
    private static final INDArray ZEROS = Nd4j.create(DataType.FLOAT, 2, 3);

    private static byte[] fake(Object document, Map<String, INDArray> arrays) {
        return StateFile.write(QuantizationRounds.KIND, document, arrays);
    }

    private static Map<String, INDArray> slqArrays(INDArray assignment, INDArray frozen) {
        Map<String, INDArray> arrays = new TreeMap<>();
        arrays.put("frozen/fc", ZEROS);
        arrays.put("clusters.assignment/fc", assignment);
        arrays.put("clusters.frozen/fc", frozen);
        arrays.put("clusters.pruned/fc", Nd4j.create(DataType.BOOL, 2, 3));
        return arrays;
    }

    @Test
    void malformedOrInconsistentStateIsRefused() {
        FakeInq inq = new FakeInq(3, .5);
        FakeCluster slq = new FakeCluster("FLOAT", new double[]{0, .1, -.1}, new boolean[3], null);
        INDArray assignment = Nd4j.create(DataType.INT32, 2, 3);
        INDArray unfrozen = Nd4j.create(DataType.BOOL, 2, 3);
        // a valid SLQ file, to show that each case below fails for its own reason
        QuantizationRounds.fromBytes(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(),
                Map.of(), Map.of("fc", slq)), slqArrays(assignment, unfrozen)), FILE);

        assertUnreadable(fake(new NoSeed("INQ", PORTIONS, false, List.of("fc"), null, List.of(), Map.of("fc", inq),
                Map.of()), Map.of("frozen/fc", ZEROS)), "Missing creator property 'seed'");
        assertUnreadable(fake(new FakeRounds("XNOR", PORTIONS, false, 1, List.of("fc"), null, List.of(),
                Map.of("fc", inq), Map.of()), Map.of("frozen/fc", ZEROS)), "bad document");
        assertUnreadable(fake(new FakeRounds("INQ", List.of(.5, .7), false, 1, List.of("fc"), null, List.of(),
                Map.of("fc", inq), Map.of()), Map.of("frozen/fc", ZEROS)), "portions must end at 1");
        assertUnreadable(fake(new FakeRounds("INQ", PORTIONS, false, 1, List.of("fc", "conv"), null, List.of(),
                Map.of("fc", inq), Map.of()), Map.of("frozen/fc", ZEROS, "frozen/conv", ZEROS)), "INQ codebooks [fc]");
        assertUnreadable(fake(new FakeRounds("INQ", PORTIONS, false, 1, List.of("fc"), null, List.of(),
                Map.of("fc", new FakeInq(12, .5)), Map.of()), Map.of("frozen/fc", ZEROS)), "bits must be in [2, 8]");
        assertUnreadable(fake(new FakeRounds("INQ", PORTIONS, false, 1, List.of("fc"), null, List.of(),
                Map.of("fc", inq), Map.of()), Map.of("frozen/fc", ZEROS.add(2))), "holds 2.0, not only 0 and 1");
        assertUnreadable(fake(new FakeRounds("INQ", PORTIONS, false, 1, List.of("fc"), null, List.of("fc"),
                Map.of("fc", inq), Map.of()), Map.of("frozen/fc", ZEROS, "pruned/fc", Nd4j.create(DataType.FLOAT, 3,
                2))), "pruned mask of layer fc is FLOAT[3, 2], the frozen mask FLOAT[2, 3]");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, true, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", slq)), slqArrays(assignment, unfrozen)), "random partition with SLQ");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", new FakeCluster("FLOAT", slq.centroids(), slq.quantized(), .1))),
                slqArrays(assignment, unfrozen)), "SLQ layer fc with a threshold");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", slq)), slqArrays(assignment.add(7), unfrozen)), "weight 0 is in cluster 7 of 3");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", slq)), slqArrays(assignment.castTo(DataType.INT64), unfrozen)),
                "cluster assignment of layer fc must be INT32 of shape [2, 3]");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", slq)), slqArrays(assignment, Nd4j.ones(DataType.BOOL, 2, 3))),
                "frozen weight 0 is in cluster 0, which is not quantized");
        assertUnreadable(fake(new FakeRounds("MLQ", PORTIONS, false, 1, List.of("fc", "conv"), List.of(
                List.of("conv"), List.of("fc")), List.of(), Map.of(), Map.of()), Map.of("frozen/fc", ZEROS,
                "frozen/conv", ZEROS)), "are not the layers [fc, conv] in order");
        assertUnreadable(fake(new FakeRounds("SLQ", PORTIONS, false, 1, List.of("fc"), null, List.of(), Map.of(),
                Map.of("fc", slq)), Map.of("frozen/fc", ZEROS)), "has no array 'clusters.assignment/fc'");
    }
}
