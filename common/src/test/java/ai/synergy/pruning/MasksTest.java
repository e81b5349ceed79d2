package ai.synergy.pruning;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static ai.synergy.pruning.AdmmStateTest.assertValues;
import static ai.synergy.pruning.AdmmStateTest.roundTrip;
import static ai.synergy.pruning.ProjectionsTest.W;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MasksTest {

    /** A float conv weight [2, 1, 2, 2] holding W, and a DL4J-style column-major dense weight [nIn=2, nOut=4]. */
    private static Map<String, INDArray> weights() {
        Map<String, INDArray> weights = new HashMap<>();
        weights.put("conv1", Nd4j.create(W, new long[]{2, 1, 2, 2}, 'c').castTo(DataType.FLOAT));
        weights.put("fc1", Nd4j.create(new double[][]{{.1, 1, .05, -.5}, {.2, -1, 0, .6}}).dup('f'));
        return weights;
    }

    private static Masks prune(Map<String, INDArray> weights) {
        PruningRatios ratios = new PruningRatios(Map.of("conv1", .75), .5);
        return Masks.hardPrune(weights, LayerPruning.plan(weights, PruningScheme.IRREGULAR, ratios));
    }

    @Test
    void hardPruneProjectsInPlaceAndRecordsTheNonzeroPattern() {
        Map<String, INDArray> w = weights();
        INDArray conv = w.get("conv1");
        Masks masks = prune(w);
        assertThat(w.get("conv1")).isSameAs(conv);
        assertThat(conv.dup('c').data().asFloat()).containsExactly(.9f, 0, 0, -.7f, 0, 0, 0, 0);
        assertValues(w.get("fc1"), 0, 0, 1, 0, -.5, 0, -1, 0, .6);
        assertValues(masks.mask("fc1"), 0, 0, 1, 0, 1, 0, 1, 0, 1);
        assertThat(masks.layers()).containsExactly("conv1", "fc1");
        assertThat(masks.kept("conv1")).isEqualTo(2);
        assertThat(masks.sparsity("conv1")).isEqualTo(.75);
        assertThat(masks.sparsity("fc1")).isEqualTo(.5);
        assertThat(masks.keptParameters()).isEqualTo(6);
        assertThat(masks.totalParameters()).isEqualTo(16);
    }

    @Test
    void applyKeepsPrunedWeightsExactlyZeroAfterPerturbation() {
        Map<String, INDArray> w = weights();
        Masks masks = prune(w);
        // What averaging or an SGD step does to frozen weights: small, sign-varying changes everywhere.
        w.get("conv1").addi(Nd4j.create(new float[]{1e-7f, -3e-8f, -2e-7f, 1e-7f, -1e-9f, 5e-8f, -4e-8f, -1e-7f},
                new long[]{2, 1, 2, 2}, 'c'));
        w.get("fc1").subi(.01);
        masks.apply(w);
        float[] conv = w.get("conv1").dup('c').data().asFloat();
        assertThat(conv).containsExactly(.9f + 1e-7f, 0, 0, -.7f + 1e-7f, 0, 0, 0, 0);
        for (float v : conv) {
            assertThat(Float.floatToRawIntBits(v) == 0 || v != 0).as("no -0").isTrue();
        }
        double[] fc = w.get("fc1").dup('c').data().asDouble();
        assertThat(fc).containsExactly(0, 1 - .01, 0, -.5 - .01, 0, -1 - .01, 0, .6 - .01);
        for (double v : fc) {
            assertThat(Double.doubleToRawLongBits(v) == 0 || v != 0).as("no -0").isTrue();
        }
    }

    @Test
    void applyMasksGradientsOfOneLayer() {
        Masks masks = prune(weights());
        INDArray grad = Nd4j.ones(DataType.FLOAT, 2, 4).muli(-3);
        masks.apply("fc1", grad);
        assertValues(grad, 0, 0, -3, 0, -3, 0, -3, 0, -3);
    }

    @Test
    void javaSerializationKeepsEveryMask() throws Exception {
        Masks masks = prune(weights());
        Masks copy = roundTrip(masks);
        assertThat(copy.layers()).containsExactly("conv1", "fc1");
        assertThat(copy.mask("conv1")).isEqualTo(masks.mask("conv1"));
        assertThat(copy.mask("fc1").dup('c').data().asDouble())
                .containsExactly(masks.mask("fc1").dup('c').data().asDouble());
        assertThat(copy.keptParameters()).isEqualTo(6);
    }

    @Test
    void reportCountsLayersAndEstimatesTheSparseExport() {
        SparsityReport report = prune(weights()).report(10);
        assertThat(report.layers()).containsExactly(new SparsityReport.LayerSparsity("conv1", 8, 2),
                new SparsityReport.LayerSparsity("fc1", 8, 4));
        assertThat(report.sparsity()).isEqualTo(.625);
        assertThat(report.totalParameters()).isEqualTo(26);
        assertThat(report.keptParameters()).isEqualTo(16);
        assertThat(report.denseExportBytes()).isEqualTo(104);
        // conv1: 2*4 values + bitmap 1 byte; fc1: 4*4 + 1; other 10*4
        assertThat(report.sparseExportBytes()).isEqualTo(9 + 17 + 40);
    }

    @Test
    void sparseExportPicksTheCheaperPositionEncoding() {
        // ResNet-18 3x3x512x512 conv at the paper's 16x ratio: bitmap (1 bit/weight) beats int32 indices.
        SparsityReport.LayerSparsity conv = new SparsityReport.LayerSparsity("c", 2_359_296, 147_456);
        assertThat(conv.sparsity()).isCloseTo(.9375, within(1e-12));
        assertThat(conv.sparseBytes()).isEqualTo(4 * 147_456 + 2_359_296 / 8);
        // Very sparse (1 of 1000 kept): int32 indices win.
        assertThat(new SparsityReport.LayerSparsity("fc", 100_000, 100).sparseBytes()).isEqualTo(800);
        assertThat(new SparsityReport(List.of(conv), 0).sparseExportBytes()).isEqualTo(884_736);
        assertThatThrownBy(() -> new SparsityReport.LayerSparsity("x", 4, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("layer x: need 0 <= kept <= total, got kept 5 of 4");
    }

    @Test
    void rejectsMissingLayersAndNonBinaryMasks() {
        Masks masks = prune(weights());
        assertThatThrownBy(() -> masks.apply(Map.of("fc1", Nd4j.zeros(2, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no array given for masked layer conv1");
        assertThatThrownBy(() -> masks.apply("fc1", Nd4j.zeros(4, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layer fc1: mask shape [2, 4] differs from [4, 2]");
        assertThatThrownBy(() -> Masks.of(Map.of("a", Nd4j.create(new double[]{1, .5}))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("mask of layer a must hold only 0 and 1");
    }
}
