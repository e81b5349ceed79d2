package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.testing.HostileBytes;
import ai.synergy.testing.HostileBytes.Canary;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.checkpoint.StateFile;
import ai.synergy.config.InvalidInputException;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.AdmmState;
import ai.synergy.pruning.LayerPruning;
import ai.synergy.pruning.Masks;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.pruning.SparsityReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static ai.synergy.testing.ArrayBits.assertSameBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which layers a run prunes, and the pruning state a checkpoint keeps. */
class PruningStagesTest {
    private static final String FILE = "hdfs://nn/run/checkpoints/epoch-0004/pruning.bin";

    private static final ModelSpec SPEC = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10,
            List.of(.5), List.of(.5), 1);

    private static List<String> prunedLayers(PruningScheme scheme, PruningRatios ratios) {
        PruningConfig pruning = PruningConfig.admm(ratios).withScheme(scheme).withEpochs(1, 1, 1);
        TrainConfig config = TrainConfig.builder().data(DataSpec.idx("/nonexistent", 10, 10)).model("resnet8")
                .pruning(pruning).learningRate(.1).weightDecay(0).schedule(LearningRateSchedule.Type.CONSTANT)
                .epochs(1).workers(2).batchSizePerWorker(8).averagingFrequency(1).evalBatchSize(8).seed(1)
                .keepCheckpoints(1).build();
        ComputationGraph graph = ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0));
        SparsityReport report = new PruningStages(null, config, null).report(graph);
        return report.layers().stream().map(SparsityReport.LayerSparsity::layer).toList();
    }

    @Test
    void filterPruningKeepsTheClassifierDenseUnlessItIsNamed() {
        int prunable = PrunableLayers.weights(ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0))).size();
        assertThat(prunedLayers(PruningScheme.IRREGULAR, PruningRatios.uniform(.9))).hasSize(prunable)
                .contains(ResNets.OUTPUT);
        assertThat(prunedLayers(PruningScheme.FILTER, PruningRatios.uniform(.9))).hasSize(prunable - 1)
                .doesNotContain(ResNets.OUTPUT);
        assertThat(prunedLayers(PruningScheme.FILTER, new PruningRatios(Map.of(ResNets.OUTPUT, .5), .9)))
                .contains(ResNets.OUTPUT);
    }

    /** New arrays: each weight plus seeded noise. */
    private static Map<String, INDArray> moved(Map<String, INDArray> weights, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> out = new TreeMap<>();
        weights.forEach((layer, w) -> out.put(layer, w.add(Nd4j.randn(w.dataType(), w.shape()).muli(.01))));
        return out;
    }

    /** An ADMM state after two updates, and masks from hard pruning, on a ResNet's weights. */
    private static PruningStages.Saved midRun() {
        Map<String, INDArray> weights = PrunableLayers.weights(ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0)));
        Map<String, LayerPruning> plan = LayerPruning.plan(weights, PruningScheme.FILTER,
                new PruningRatios(Map.of(ResNets.OUTPUT, 0.0, "stem_conv", .25), .5));
        AdmmState admm = AdmmState.init(weights, plan, new AdmmConfig(2e-3, 1.4));
        admm.update(moved(weights, 1));
        admm.update(moved(weights, 2));
        Masks masks = admm.hardPrune(moved(weights, 3));
        return new PruningStages.Saved(admm, masks);
    }

    @Test
    void savedStateComesBackBitForBitAndContinuesIdentically() {
        PruningStages.Saved saved = midRun();
        byte[] bytes = saved.toBytes();
        PruningStages.Saved back = PruningStages.Saved.fromBytes(bytes, FILE);

        assertThat(back.toBytes()).isEqualTo(bytes);
        assertThat(back.admm().rhoGrowth()).isEqualTo(1.4);
        assertThat(back.admm().plan()).isEqualTo(saved.admm().plan()).hasSizeGreaterThan(3);
        for (String layer : saved.admm().layers()) {
            assertThat(back.admm().rho(layer)).isEqualTo(saved.admm().rho(layer));
            assertSameBits(back.admm().z(layer), saved.admm().z(layer), "Z of " + layer);
            assertSameBits(back.admm().u(layer), saved.admm().u(layer), "U of " + layer);
        }
        assertThat(back.masks().layers()).isEqualTo(saved.masks().layers());
        for (String layer : saved.masks().layers()) {
            assertSameBits(back.masks().mask(layer), saved.masks().mask(layer), "mask of " + layer);
            assertThat(back.masks().kept(layer)).isEqualTo(saved.masks().kept(layer));
        }

        // the next ADMM update and the masks act the same on both
        Map<String, INDArray> next = moved(PrunableLayers.weights(ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0))),
                4);
        saved.admm().update(next);
        back.admm().update(next);
        assertThat(back.toBytes()).isEqualTo(saved.toBytes());
        Map<String, INDArray> a = moved(next, 5);
        Map<String, INDArray> b = new TreeMap<>();
        a.forEach((layer, w) -> b.put(layer, w.dup()));
        saved.masks().apply(a);
        back.masks().apply(b);
        a.forEach((layer, w) -> assertSameBits(b.get(layer), w, "masked " + layer));
    }

    @Test
    void statesBeforeAdmmOrWithoutItComeBack() {
        PruningStages.Saved dense = PruningStages.Saved.fromBytes(new PruningStages.Saved(null, null).toBytes(), FILE);
        assertThat(dense.admm()).isNull();
        assertThat(dense.masks()).isNull();
        PruningStages.Saved full = midRun();
        PruningStages.Saved admmOnly = PruningStages.Saved.fromBytes(new PruningStages.Saved(full.admm(), null)
                .toBytes(), FILE);
        assertThat(admmOnly.masks()).isNull();
        assertThat(admmOnly.admm().layers()).isEqualTo(full.admm().layers());
        PruningStages.Saved masksOnly = PruningStages.Saved.fromBytes(new PruningStages.Saved(null, full.masks())
                .toBytes(), FILE);
        assertThat(masksOnly.admm()).isNull();
        assertThat(masksOnly.masks().keptParameters()).isEqualTo(full.masks().keptParameters());
    }

    private static void assertUnreadable(byte[] bytes, String reason) {
        assertThatThrownBy(() -> PruningStages.Saved.fromBytes(bytes, FILE))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--resume: " + FILE + " is unreadable (")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    @Timeout(10)
    void javaSerializedStateIsRefusedWithoutInstantiatingAnything() throws IOException {
        byte[] canary = HostileBytes.javaSerialized(new Canary[]{new Canary()});
        byte[] oldAdmm = HostileBytes.javaSerialized(midRun().admm());
        Canary.CREATED.set(0);
        assertUnreadable(canary, "Java serialization stream");
        assertThat(Canary.CREATED).hasValue(0);
        assertUnreadable(HostileBytes.javaSerialized(HostileBytes.setBomb()), "Java serialization stream");
        assertUnreadable(oldAdmm, "Java serialization stream");
    }

    /** The JSON shape of the pruning document, free to hold what a real run never writes. */
    record FakeDocument(FakeAdmm admm, List<String> masks) {
    }

    record FakeAdmm(double rhoGrowth, Map<String, FakeLayer> layers) {
    }

    record FakeLayer(String scheme, double ratio, String kind, double rho) {
    }

    record MasksOnly(List<String> masks) {
    }

    record Extra(FakeAdmm admm, List<String> masks, int extra) {
    }

    private static byte[] fake(Object document, Map<String, INDArray> arrays) {
        return StateFile.write(PruningStages.Saved.KIND, document, arrays);
    }

    @Test
    void malformedOrInconsistentStateIsRefused() {
        INDArray z = Nd4j.create(DataType.FLOAT, 4, 3);
        Map<String, FakeLayer> fc = Map.of("fc", new FakeLayer("IRREGULAR", .5, "DENSE", 1e-3));
        assertUnreadable(fake(new MasksOnly(List.of()), Map.of()), "bad document: Missing creator property "
                + "'admm'");
        assertUnreadable(fake(new Extra(null, null, 1), Map.of()), "bad document: Unrecognized field \"extra\"");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, Map.of("fc", new FakeLayer("DIAGONAL", .5, "DENSE",
                1e-3))), null), Map.of("admm.z/fc", z, "admm.u/fc", z)), "bad document");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, fc), null), Map.of("admm.z/fc", z)),
                "has no array 'admm.u/fc'");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, fc), null), Map.of("admm.z/fc", z, "admm.u/fc", z,
                "masks/fc", z)), "holds an unexpected array 'masks/fc'");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, fc), null), Map.of("admm.z/fc", z, "admm.u/fc",
                Nd4j.create(DataType.FLOAT, 3, 4))), "layer fc: Z (FLOAT[4, 3]) and U (FLOAT[3, 4])");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, Map.of("fc", new FakeLayer("IRREGULAR", .5,
                "DENSE", -1))), null), Map.of("admm.z/fc", z, "admm.u/fc", z)), "layer fc: rho must be > 0");
        assertUnreadable(fake(new FakeDocument(new FakeAdmm(1.3, Map.of("fc", new FakeLayer("IRREGULAR", 1.5,
                "DENSE", 1e-3))), null), Map.of("admm.z/fc", z, "admm.u/fc", z)), "pruning ratio");
        assertUnreadable(fake(new FakeDocument(null, List.of("fc")), Map.of("masks/fc", z.add(2))),
                "must hold only 0 and 1");
        assertUnreadable(fake(new FakeDocument(null, List.of("fc")), Map.of("masks/fc",
                Nd4j.create(DataType.INT32, 4, 3))), "not floating point");
        assertUnreadable(new QuantizationRoundsStateTest.Fixture(QuantizationMethod.INQ, false).rounds().toBytes(),
                "holds quantization-rounds, expected pruning-stages");
    }
}
