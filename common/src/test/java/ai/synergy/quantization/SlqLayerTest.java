package ai.synergy.quantization;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static ai.synergy.quantization.TestArrays.bits;
import static ai.synergy.quantization.TestArrays.flat;
import static ai.synergy.quantization.TestArrays.gaussian;
import static ai.synergy.quantization.TestArrays.ones;
import static ai.synergy.quantization.TestArrays.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SlqLayerTest {
    /** docs/methods.md section 4, "Checks". */
    static final double[] W = {.52, .47, -.55, .26, -.24, .13, -.12, .066, -.031, .015, .0079, -.0041, .002, .0004,
        -.0003, .3, -.49};

    @Test
    void initialCentroidsAreZeroThenSignedHalvingPowersOfTwo() {
        double[] c = SlqLayer.initialCentroids(5, .55);
        assertThat(c).hasSize(17);
        assertThat(c).containsExactly(0, .5, -.5, .25, -.25, .125, -.125, .0625, -.0625, .03125, -.03125, .015625,
                -.015625, .0078125, -.0078125, .00390625, -.00390625);
        assertThat(SlqLayer.initialCentroids(2, .55)).containsExactly(0, .5, -.5);
    }

    @Test
    void firstKMeansOfTheCheckVector() {
        SlqLayer layer = SlqLayer.cluster(vector(W), 5);
        assertThat(layer.clusterCount()).isEqualTo(17);
        assertThat(layer.assignment()).containsExactly(1, 1, 2, 3, 4, 5, 6, 7, 10, 11, 13, 16, 15, 0, 0, 3, 2);
        double[] c = layer.centroids();
        assertThat(c[0]).isEqualTo(0);
        assertThat(c[1]).isCloseTo(.495, within(1e-12));
        assertThat(c[2]).isCloseTo(-.52, within(1e-12));
        assertThat(c[3]).isCloseTo(.28, within(1e-12));
        assertThat(c[4]).isCloseTo(-.24, within(1e-12));
        assertThat(c[8]).as("empty cluster keeps its initial centroid").isEqualTo(-.0625);
    }

    @Test
    void quantizingClustersZeroToFourOfTheCheckVector() {
        INDArray w = vector(W);
        SlqLayer layer = SlqLayer.cluster(w, 5);
        assertThat(layer.quantize(w, 0, 1, 2, 3, 4)).isEqualTo(9);
        double[] q = flat(w);
        double[] expected = {.495, .495, -.52, .28, -.24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .28, -.52};
        for (int i = 0; i < W.length; i++) {
            assertThat(q[i]).as("[%d]", i).isCloseTo(i >= 5 && i <= 12 ? W[i] : expected[i], within(1e-12));
        }
        assertThat(q[13]).isEqualTo(0);
        assertThat(ones(layer.frozenMask())).containsExactly(0, 1, 2, 3, 4, 13, 14, 15, 16);
        assertThat(layer.quantizedCount()).isEqualTo(5);
        assertThat(layer.isQuantized(4)).isTrue();
        assertThat(layer.isQuantized(5)).isFalse();
    }

    @Test
    void selectTakesTheLowestScoresAmongOpenClustersTiesToTheLowerIndex() {
        INDArray w = vector(W);
        SlqLayer layer = SlqLayer.cluster(w, 5);
        double[] scores = new double[17];
        Arrays.fill(scores, 1);
        scores[9] = .5;
        scores[3] = 0;
        scores[12] = .5;
        assertThat(layer.select(scores, 3)).containsExactly(3, 9, 12);
        assertThat(layer.select(scores, 4)).containsExactly(0, 3, 9, 12);
        layer.quantize(w, 3, 9);
        assertThat(layer.select(scores, 2)).containsExactly(0, 12);
        assertThat(layer.select(scores, 100)).hasSize(15);
    }

    @Test
    void squaredErrorsScoreTheFreeMembersOfOpenClusters() {
        INDArray w = vector(W);
        SlqLayer layer = SlqLayer.cluster(w, 5);
        double[] e = layer.squaredErrors(w);
        assertThat(e[1]).isCloseTo(2 * .025 * .025, within(1e-15));
        assertThat(e[0]).isCloseTo(.0004 * .0004 + .0003 * .0003, within(1e-18));
        assertThat(e[5]).isZero();
        layer.quantize(w, 1);
        assertThat(layer.squaredErrors(w)[1]).isZero();
    }

    @Test
    void incrementalRoundsKeepTheInvariantsAndEndWithAtMost17Values() {
        INDArray w = gaussian(21, .05, DataType.FLOAT, 20, 30);
        SlqLayer layer = SlqLayer.cluster(w, 5);
        List<Integer> frozenBefore = new ArrayList<>();
        long[] bitsBefore = bits(w);
        int rounds = 0;
        while (!layer.allQuantized()) {
            rounds++;
            int[] chosen = layer.select(layer.squaredErrors(w), 4);
            int quantizedBefore = layer.quantizedCount();
            layer.quantize(w, chosen);
            assertThat(layer.quantizedCount()).isEqualTo(quantizedBefore + chosen.length);
            assertThat(layer.centroids()[0]).isEqualTo(0);
            List<Integer> frozen = ones(layer.frozenMask());
            assertThat(frozen).containsAll(frozenBefore);
            long[] now = bits(w);
            for (int i : frozenBefore) {
                assertThat(now[i]).as("frozen [%d] in round %d", i, rounds).isEqualTo(bitsBefore[i]);
            }
            // Retraining moves the free weights, then the next round re-clusters them.
            w.addi(gaussian(100 + rounds, .005, DataType.FLOAT, 20, 30).muli(layer.frozenMask().rsub(1)));
            layer.reassign(w);
            frozenBefore = frozen;
            bitsBefore = bits(w);
        }
        assertThat(rounds).isEqualTo(5);
        assertThat(layer.frozenCount()).isEqualTo(600);
        assertThat(Codebooks.distinctCount(w)).isLessThanOrEqualTo(17).isGreaterThan(10);
        assertThat(Codebooks.allInCodebook(w, layer.centroids())).isTrue();
        assertThat(w.dataType()).isEqualTo(DataType.FLOAT);
    }

    @Test
    void prunedWeightsStayZeroFrozenAndOutOfTheMeans() {
        INDArray w = vector(.5, 0, .4, 0, -.3);
        INDArray pruned = vector(0, 1, 0, 1, 0);
        SlqLayer layer = SlqLayer.cluster(w, 2, pruned);
        assertThat(layer.centroids()).containsExactly(0, .45, -.3);
        assertThat(ones(layer.frozenMask())).containsExactly(1, 3);
        assertThat(layer.squaredErrors(w)[0]).isZero();
        layer.quantize(w, 1, 2);
        assertThat(flat(w)).containsExactly(.45, 0, .45, 0, -.3);
        assertThat(layer.allQuantized()).isFalse();
        assertThat(layer.frozenCount()).isEqualTo(5);
        assertThatThrownBy(() -> SlqLayer.cluster(vector(.5, .1), 5, vector(0, 1)))
                .hasMessage("weight at flat index 1 is marked pruned but holds 0.1");
    }

    @Test
    void aRestoredStateContinuesExactlyLikeTheOriginal() {
        INDArray w = gaussian(31, .05, DataType.FLOAT, 6, 10);
        w.putScalar(3, 0);
        w.putScalar(17, 0);
        SlqLayer layer = SlqLayer.cluster(w, 4, w.eq(0).castTo(DataType.FLOAT));
        layer.quantize(w, layer.select(layer.squaredErrors(w), 3));
        w.addi(gaussian(32, .005, DataType.FLOAT, 6, 10).muli(layer.frozenMask().rsub(1)));
        layer.reassign(w);

        SlqLayer copy = SlqLayer.restore(layer.state());
        assertThat(copy.centroids()).isEqualTo(layer.centroids());
        assertThat(copy.assignment()).isEqualTo(layer.assignment());
        assertThat(bits(copy.frozenMask())).isEqualTo(bits(layer.frozenMask()));
        INDArray w2 = w.dup();
        layer.quantize(w, layer.select(layer.squaredErrors(w), 2));
        copy.quantize(w2, copy.select(copy.squaredErrors(w2), 2));
        assertThat(bits(w2)).isEqualTo(bits(w));
        assertThat(copy.state().frozen()).isEqualTo(layer.state().frozen());
        assertThat(copy.state().quantized()).isEqualTo(layer.state().quantized());
    }

    @Test
    void restoreRejectsStatesClusteringCannotReach() {
        ClusteredLayer.State good = SlqLayer.cluster(vector(.5, 0, -.3), 2, vector(0, 1, 0)).state();
        SlqLayer.restore(good);
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1, 2},
                new boolean[4], new int[3], new boolean[3], new boolean[3], new long[]{3}, DataType.DOUBLE)))
                .hasMessageContaining("2^(b-1) + 1 clusters");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{.1, 1, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[3], new long[]{3}, DataType.DOUBLE)))
                .hasMessageContaining("c0 = 0");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[]{0, 3, 0}, new boolean[3], new boolean[3], new long[]{3}, DataType.DOUBLE)))
                .hasMessageContaining("weight 1 is in cluster 3 of 3");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[3], new long[]{4}, DataType.DOUBLE)))
                .hasMessageContaining("expected 4 assignments");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[]{1, 0, 0}, new boolean[]{true, false, false}, new boolean[3], new long[]{3},
                DataType.DOUBLE))).hasMessageContaining("frozen weight 0 is in cluster 1, which is not quantized");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[]{false, true, false}, new long[]{3},
                DataType.DOUBLE))).hasMessageContaining("pruned weight 1 must be frozen in cluster 0");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, Double.NaN, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[3], new long[]{3}, DataType.DOUBLE)))
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[3], new long[]{3}, DataType.INT32)))
                .hasMessageContaining("floating point");
        assertThatThrownBy(() -> SlqLayer.restore(new ClusteredLayer.State(new double[]{0, 1, -1},
                new boolean[3], new int[3], new boolean[3], new boolean[3], new long[]{1L << 40, 1L << 40},
                DataType.FLOAT))).hasMessageContaining("bad weight shape");
    }

    @Test
    void invalidInputsSayWhatIsWrong() {
        SlqLayer layer = SlqLayer.cluster(vector(W), 5);
        assertThatThrownBy(() -> SlqLayer.cluster(vector(W), 9)).hasMessage("bits must be in [2, 8], got 9");
        assertThatThrownBy(() -> layer.quantize(vector(W), 17)).hasMessage("cluster must be in [0, 17), got 17");
        assertThatThrownBy(() -> layer.reassign(Nd4j.zeros(4))).hasMessage("expected a weight of shape [17], got [4]");
        assertThatThrownBy(() -> layer.select(new double[3], 1)).hasMessage("expected 17 cluster scores, got 3");
    }
}
