package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static ai.synergy.quantization.TestArrays.bits;
import static ai.synergy.quantization.TestArrays.flat;
import static ai.synergy.quantization.TestArrays.gaussian;
import static ai.synergy.quantization.TestArrays.ones;
import static ai.synergy.quantization.TestArrays.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MlqTest {
    /** mean|w| = 2.77 / 8 = .34625, delta = .242375; above it .9, .8, .6, .3: a = .65. */
    static final double[] W = {.9, -.8, .1, -.05, .6, 0, -.3, .02};

    @Test
    void aRestoredTernaryLayerKeepsItsThresholdScaleAndFlags() {
        INDArray w = vector(.9, 0, -.3, 0, .1, -.7);
        TernaryLayer layer = TernaryLayer.of(w, vector(0, 1, 0, 1, 0, 0));
        layer.quantize(w, 1);
        TernaryLayer copy = TernaryLayer.restore(layer.state(), layer.threshold());
        assertThat(copy.threshold()).isEqualTo(layer.threshold());
        assertThat(copy.codebook()).isEqualTo(layer.codebook());
        assertThat(copy.assignment()).isEqualTo(layer.assignment());
        assertThat(bits(copy.frozenMask())).isEqualTo(bits(layer.frozenMask()));
        INDArray w2 = w.dup();
        layer.quantize(w, 0, 2);
        copy.quantize(w2, 0, 2);
        assertThat(bits(w2)).isEqualTo(bits(w));
        assertThat(copy.quantize(.2)).isEqualTo(layer.quantize(.2));

        ClusteredLayer.State state = layer.state();
        assertThatThrownBy(() -> TernaryLayer.restore(state, -1)).hasMessageContaining("threshold");
        assertThatThrownBy(() -> TernaryLayer.restore(new ClusteredLayer.State(new double[]{0, .5, -.4},
                state.quantized(), state.assignment(), state.frozen(), state.pruned(), state.shape(),
                state.dataType()), .1)).hasMessageContaining("{0, a, -a}");
    }

    @Test
    void ternaryCodebookFollowsTheTwnRule() {
        TernaryLayer layer = TernaryLayer.of(vector(W));
        assertThat(layer.threshold()).isCloseTo(.242375, within(1e-12));
        assertThat(layer.scale()).isCloseTo(.65, within(1e-12));
        assertThat(layer.codebook()).hasSize(3).contains(0.0);
        assertThat(layer.codebook()[0]).isEqualTo(-layer.scale());
        assertThat(layer.assignment()).containsExactly(1, 2, 0, 0, 1, 0, 2, 0);
        assertThat(layer.quantize(.25)).isEqualTo(layer.scale());
        assertThat(layer.quantize(-.24)).isEqualTo(0);
        assertThat(layer.quantize(-.3)).isEqualTo(-layer.scale());
    }

    @Test
    void fullQuantizationPutsEveryWeightInMinusAZeroA() {
        INDArray w = gaussian(5, .1, DataType.FLOAT, 6, 7);
        TernaryLayer layer = TernaryLayer.of(w);
        layer.quantize(w, layer.select(layer.squaredErrors(w), 1));
        w.addi(gaussian(6, .02, DataType.FLOAT, 6, 7).muli(layer.frozenMask().rsub(1)));
        layer.reassign(w);
        layer.quantize(w, layer.select(layer.squaredErrors(w), 2));
        assertThat(layer.allQuantized()).isTrue();
        assertThat(layer.frozenCount()).isEqualTo(42);
        assertThat(Codebooks.allInCodebook(w, layer.codebook())).isTrue();
        assertThat(Codebooks.distinctValues(w)).containsExactly((float) -layer.scale(), 0, (float) layer.scale());
    }

    @Test
    void prunedWeightsStayZeroAndOutOfTheThreshold() {
        INDArray w = vector(.9, 0, -.3, 0);
        TernaryLayer layer = TernaryLayer.of(w, vector(0, 1, 0, 1));
        assertThat(layer.threshold()).isCloseTo(.7 * .6, within(1e-12));
        assertThat(layer.scale()).isCloseTo(.9, within(1e-12));
        layer.quantize(w, 0, 1, 2);
        assertThat(flat(w)).containsExactly(.9, 0, 0, 0);
        assertThat(bits(w)[1]).isZero();
    }

    @Test
    void allZeroLayerQuantizesToPositiveZero() {
        INDArray w = vector(0, 0, 0);
        TernaryLayer layer = TernaryLayer.of(w);
        assertThat(layer.scale()).isZero();
        layer.quantize(w, 0, 1, 2);
        assertThat(bits(w)).containsOnly(0L);
    }

    @Test
    void clustersAreRankedAcrossLayersTiesToLayerNameThenIndex() {
        Map<String, TernaryLayer> layers = new TreeMap<>();
        layers.put("b", TernaryLayer.of(vector(W)));
        layers.put("a", TernaryLayer.of(vector(.5, -.5, .01)));
        Map<String, double[]> scores = Map.of("a", new double[]{.2, .1, .3}, "b", new double[]{.1, .05, .2});
        assertThat(ClusterRanking.rank(layers, scores)).containsExactly(new ClusterRef("b", 1),
                new ClusterRef("a", 1), new ClusterRef("b", 0), new ClusterRef("a", 0), new ClusterRef("b", 2),
                new ClusterRef("a", 2));
        assertThat(ClusterRanking.cheapest(layers, scores, 2)).containsExactly(new ClusterRef("b", 1),
                new ClusterRef("a", 1));
        Map<String, INDArray> weights = new HashMap<>(Map.of("a", vector(.5, -.5, .01), "b", vector(W)));
        long added = ClusterRanking.quantize(layers, weights, ClusterRanking.cheapest(layers, scores, 2));
        assertThat(added).as("b: .9 and .6; a: .5").isEqualTo(3);
        assertThat(layers.get("b").isQuantized(1)).isTrue();
        assertThat(layers.get("a").isQuantized(1)).isTrue();
        assertThat(ClusterRanking.rank(layers, scores)).hasSize(4).startsWith(new ClusterRef("b", 0));
        assertThatThrownBy(() -> ClusterRanking.rank(layers, Map.of("a", new double[3])))
                .hasMessage("layer b: expected 3 cluster scores, got none");
    }

    @Test
    void layerStagesSplitInOrderAndValidate() {
        LayerStages stages = LayerStages.split(List.of("c1", "c2", "c3", "c4", "c5", "c6", "fc"), 3);
        assertThat(stages.stages()).containsExactly(List.of("c1", "c2", "c3"), List.of("c4", "c5"),
                List.of("c6", "fc"));
        assertThat(stages.quantizedThrough(1)).containsExactly("c1", "c2", "c3", "c4", "c5");
        assertThat(stages.freeDuring(0)).containsExactly("c4", "c5", "c6", "fc");
        assertThat(stages.freeDuring(2)).isEmpty();
        assertThatThrownBy(() -> new LayerStages(List.of(List.of("a"), List.of("b", "a"))))
                .hasMessage("stage 1: layer a is already in a stage");
        assertThatThrownBy(() -> new LayerStages(List.of(List.of("a"), List.of())))
                .hasMessage("stage 1 must name at least one layer");
        assertThatThrownBy(() -> LayerStages.split(List.of("a"), 2))
                .hasMessage("stage count must be in [1, 1] for 1 layers, got 2");
    }

    @Test
    void layersQuantizedAtAStageStayBitIdenticalWhileLaterLayersCompensate() {
        Map<String, INDArray> weights = new TreeMap<>();
        for (String layer : List.of("l1", "l2", "l3")) {
            weights.put(layer, gaussian(layer.hashCode(), .1, DataType.FLOAT, 5, 8));
        }
        LayerStages stages = LayerStages.split(List.of("l1", "l2", "l3"), 2);
        Map<String, TernaryLayer> ternary = new TreeMap<>();
        Map<String, long[]> done = new TreeMap<>();
        for (int stage = 0; stage < stages.count(); stage++) {
            Map<String, TernaryLayer> now = new TreeMap<>();
            for (String layer : stages.layersAt(stage)) {
                now.put(layer, TernaryLayer.of(weights.get(layer)));
            }
            ternary.putAll(now);
            while (now.values().stream().anyMatch(l -> !l.allQuantized())) {
                Map<String, double[]> scores = new TreeMap<>();
                now.forEach((name, l) -> scores.put(name, l.squaredErrors(weights.get(name))));
                ClusterRanking.quantize(now, weights, ClusterRanking.cheapest(now, scores, 2));
                Map<String, INDArray> masks = new TreeMap<>();
                ternary.forEach((name, l) -> masks.put(name, l.frozenMask()));
                FrozenWeights frozen = FrozenWeights.capture(weights, masks);
                // A training step moves everything; the constraint restores the frozen weights.
                weights.values().forEach(w -> w.addi(.01));
                frozen.adjustWeights(weights);
                now.forEach((name, l) -> l.reassign(weights.get(name)));
                done.forEach((name, b) -> assertThat(bits(weights.get(name))).as(name).containsExactly(b));
            }
            for (String layer : stages.layersAt(stage)) {
                done.put(layer, bits(weights.get(layer)));
                assertThat(Codebooks.allInCodebook(weights.get(layer), ternary.get(layer).codebook())).isTrue();
            }
            for (String free : stages.freeDuring(stage)) {
                assertThat(Codebooks.distinctCount(weights.get(free))).as(free).isGreaterThan(3);
            }
        }
        assertThat(done.keySet()).containsExactly("l1", "l2", "l3");
        assertThat(ones(ternary.get("l3").frozenMask())).hasSize(40);
    }
}
