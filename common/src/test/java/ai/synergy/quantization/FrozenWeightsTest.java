package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;

import static ai.synergy.quantization.TestArrays.bits;
import static ai.synergy.quantization.TestArrays.flat;
import static ai.synergy.quantization.TestArrays.gaussian;
import static ai.synergy.quantization.TestArrays.ones;
import static ai.synergy.quantization.TestArrays.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrozenWeightsTest {
    private static final double[] CONV_MASK = {1, 0, 1, 0, 0, 1, 1, 0};

    /**
     * A float conv weight [2, 1, 2, 2] quantized where CONV_MASK is 1 (one of them to 0), and a double dense weight
     * [3, 2] stored column-major, as DL4J does, half frozen.
     */
    private static Map<String, INDArray> weights() {
        Map<String, INDArray> w = new HashMap<>();
        w.put("conv", Nd4j.create(new double[]{.5, .1, -.25, -.3, 0, .001, .125, .7}, new long[]{2, 1, 2, 2}, 'c')
                .castTo(DataType.FLOAT));
        w.put("fc", Nd4j.create(new double[][]{{.1, -.0625}, {.2, .3}, {-.5, .4}}).dup('f'));
        return w;
    }

    private static Map<String, INDArray> masks() {
        Map<String, INDArray> m = new HashMap<>();
        m.put("conv", Nd4j.create(CONV_MASK, new long[]{2, 1, 2, 2}, 'c'));
        m.put("fc", Nd4j.create(new double[][]{{0, 1}, {0, 0}, {1, 1}}));
        return m;
    }

    /** Sign-varying noise everywhere, then a frozen weight turned NaN and another infinite, and a free one -0. */
    private static void perturb(Map<String, INDArray> w) {
        w.get("conv").addi(gaussian(1, 1e-6, DataType.FLOAT, 2, 1, 2, 2));
        w.get("conv").putScalar(new long[]{0, 0, 0, 0}, Float.NaN);
        w.get("conv").putScalar(new long[]{1, 0, 1, 0}, Float.POSITIVE_INFINITY);
        w.get("conv").putScalar(new long[]{0, 0, 0, 1}, -0.0f);
        w.get("fc").addi(gaussian(2, 1e-9, DataType.DOUBLE, 3, 2));
        w.get("fc").putScalar(1, 1, -0.0);
    }

    @Test
    void captureRecordsMasksValuesAndCounts() {
        FrozenWeights frozen = FrozenWeights.capture(weights(), masks());
        assertThat(frozen.layers()).containsExactly("conv", "fc");
        assertThat(frozen.frozen("conv")).isEqualTo(4);
        assertThat(frozen.total("conv")).isEqualTo(8);
        assertThat(frozen.frozenParameters()).isEqualTo(7);
        assertThat(frozen.totalParameters()).isEqualTo(14);
        assertThat(ones(frozen.mask("conv"))).containsExactly(0, 2, 5, 6);
        assertThat(frozen.mask("conv").dataType()).isEqualTo(DataType.FLOAT);
        assertThat(flat(frozen.values("conv"))).containsExactly(.5, 0, -.25, 0, 0, (float) .001, .125, 0);
        assertThat(flat(frozen.values("fc"))).containsExactly(0, -.0625, 0, 0, -.5, .4);
        FrozenWeights fromBooleans = FrozenWeights.capture(weights(), Map.of("fc", masks().get("fc").eq(1)));
        assertThat(ones(fromBooleans.mask("fc"))).containsExactly(1, 4, 5);
    }

    @Test
    void gradientsOfFrozenWeightsBecomeZeroAndOthersKeepTheirBits() {
        Map<String, INDArray> w = weights();
        FrozenWeights frozen = FrozenWeights.capture(w, masks());
        Map<String, INDArray> g = new HashMap<>();
        g.put("conv", gaussian(3, 1, DataType.FLOAT, 2, 1, 2, 2));
        g.put("fc", gaussian(4, 1, DataType.DOUBLE, 3, 2).dup('f'));
        g.get("conv").putScalar(new long[]{0, 0, 0, 1}, -0.0f);
        g.get("conv").putScalar(new long[]{0, 0, 0, 0}, Float.NaN);
        long[] convBefore = bits(g.get("conv"));
        long[] fcBefore = bits(g.get("fc"));
        frozen.adjustGradients(w, g, 32);
        long[] conv = bits(g.get("conv"));
        for (int i = 0; i < 8; i++) {
            assertThat(conv[i]).as("conv [%d]", i).isEqualTo(CONV_MASK[i] == 1 ? 0 : convBefore[i]);
        }
        long[] fc = bits(g.get("fc"));
        double[] fcMask = {0, 1, 0, 0, 1, 1};
        for (int i = 0; i < 6; i++) {
            assertThat(fc[i]).as("fc [%d]", i).isEqualTo(fcMask[i] == 1 ? 0 : fcBefore[i]);
        }
    }

    @Test
    void adjustWeightsRestoresFrozenBitsExactlyAndLeavesFreeBitsAlone() {
        Map<String, INDArray> w = weights();
        Map<String, long[]> captured = Map.of("conv", bits(w.get("conv")), "fc", bits(w.get("fc")));
        FrozenWeights frozen = FrozenWeights.capture(w, masks());
        perturb(w);
        Map<String, long[]> perturbed = Map.of("conv", bits(w.get("conv")), "fc", bits(w.get("fc")));
        frozen.adjustWeights(w);
        for (String layer : frozen.layers()) {
            long[] now = bits(w.get(layer));
            double[] mask = flat(masks().get(layer));
            for (int i = 0; i < now.length; i++) {
                long expected = mask[i] == 1 ? captured.get(layer)[i] : perturbed.get(layer)[i];
                assertThat(now[i]).as("%s [%d]", layer, i).isEqualTo(expected);
            }
        }
        assertThat(bits(w.get("conv"))[1]).as("free -0 stays -0").isEqualTo(Float.floatToRawIntBits(-0.0f));
    }

    @Test
    void averagingDriftIsUndone() {
        Map<String, INDArray> w = weights();
        FrozenWeights frozen = FrozenWeights.capture(w, masks());
        long[] before = bits(w.get("conv"));
        // Averaging 3 equal float32 copies as (a + a + a) / 3 can come back one ulp off.
        INDArray conv = w.get("conv");
        conv.assign(conv.add(conv).addi(conv).divi(3).addi(conv.mul(1e-7f)));
        assertThat(bits(conv)[0]).as("drifted").isNotEqualTo(before[0]);
        frozen.adjustWeights(w);
        long[] after = bits(w.get("conv"));
        for (int i : new int[]{0, 2, 5, 6}) {
            assertThat(after[i]).as("[%d]", i).isEqualTo(before[i]);
        }
    }

    @Test
    void worksOnAViewOfAFlatParameterVectorAndTouchesNothingOutside() {
        INDArray params = Nd4j.create(new double[]{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, new long[]{1, 10}, 'c')
                .castTo(DataType.FLOAT);
        INDArray view = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(2, 8)).reshape('f', 3, 2);
        assertThat(view.isView()).isTrue();
        Map<String, INDArray> w = Map.of("fc", view);
        FrozenWeights frozen = FrozenWeights.capture(w, Map.of("fc", masks().get("fc")));
        view.addi(100);
        frozen.adjustWeights(w);
        double[] mask = flat(masks().get("fc"));
        double[] original = flat(Nd4j.create(new double[]{7, 6, 5, 4, 3, 2}, new long[]{3, 2}, 'f'));
        double[] now = flat(view);
        for (int i = 0; i < 6; i++) {
            assertThat(now[i]).as("[%d]", i).isEqualTo(mask[i] == 1 ? original[i] : original[i] + 100);
        }
        double[] all = flat(params);
        assertThat(all[0]).isEqualTo(9);
        assertThat(all[1]).isEqualTo(8);
        assertThat(all[8]).isEqualTo(1);
        assertThat(all[9]).isEqualTo(0);
    }

    @Test
    void valuesAreCastToAnotherWeightType() {
        Map<String, INDArray> w = weights();
        FrozenWeights frozen = FrozenWeights.capture(w, masks());
        INDArray asDouble = w.get("conv").castTo(DataType.DOUBLE).addi(1);
        frozen.restore("conv", asDouble);
        assertThat(flat(asDouble)).containsExactly(.5, (double) .1f + 1, -.25, (double) -.3f + 1, 1, (double) .001f,
                .125, (double) .7f + 1);
    }

    @Test
    void serializationRoundTripKeepsMasksValuesAndBehaviour() throws Exception {
        Map<String, INDArray> w = weights();
        Map<String, long[]> captured = Map.of("conv", bits(w.get("conv")), "fc", bits(w.get("fc")));
        FrozenWeights frozen = FrozenWeights.capture(w, masks());
        FrozenWeights copy = roundTrip(frozen);
        assertThat(copy.layers()).containsExactly("conv", "fc");
        for (String layer : frozen.layers()) {
            assertThat(bits(copy.mask(layer))).isEqualTo(bits(frozen.mask(layer)));
            assertThat(bits(copy.values(layer))).isEqualTo(bits(frozen.values(layer)));
            assertThat(copy.frozen(layer)).isEqualTo(frozen.frozen(layer));
        }
        perturb(w);
        copy.adjustWeights(w);
        double[] mask = flat(masks().get("conv"));
        long[] now = bits(w.get("conv"));
        for (int i = 0; i < 8; i++) {
            if (mask[i] == 1) {
                assertThat(now[i]).as("[%d]", i).isEqualTo(captured.get("conv")[i]);
            }
        }
        Map<String, INDArray> g = Map.of("conv", Nd4j.ones(DataType.FLOAT, 2, 1, 2, 2), "fc", Nd4j.ones(3, 2));
        copy.adjustGradients(w, g, 1);
        assertThat(flat(g.get("conv"))).containsExactly(0, 1, 0, 1, 1, 0, 0, 1);
    }

    @Test
    void invalidInputsSayWhatIsWrong() {
        Map<String, INDArray> w = weights();
        w.get("fc").putScalar(2, 0, Double.NaN);
        assertThatThrownBy(() -> FrozenWeights.capture(w, masks()))
                .hasMessage("layer fc: cannot freeze NaN at flat index 4");
        FrozenWeights frozen = FrozenWeights.capture(weights(), masks());
        assertThatThrownBy(() -> frozen.adjustWeights(Map.of("conv", weights().get("conv"))))
                .hasMessage("no weight given for frozen layer fc");
        assertThatThrownBy(() -> frozen.restore("conv", Nd4j.zeros(DataType.FLOAT, 8)))
                .hasMessage("expected shape [2, 1, 2, 2], got [8]");
        assertThatThrownBy(() -> frozen.mask("other")).hasMessageContaining("layer other has no frozen weights");
        assertThatThrownBy(() -> FrozenWeights.capture(Map.of(), masks()))
                .hasMessageContaining("no weight given for frozen layer");
    }
}
