package ai.synergy.pruning;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectionsTest {
    /** docs/methods.md section 2, "Checks": the projection check vector. */
    static final double[] W = {.9, -.05, .3, -.7, .01, .2, -.4, .08};
    /** docs/methods.md section 2, "Checks": the filter check, rows = filters [out=4, in=2]. */
    private static final double[][] FILTERS = {{.1, .2}, {1, -1}, {.05, 0}, {-.5, .6}};

    static INDArray dense(double... w) {
        return Nd4j.create(w, new long[]{1, w.length}, 'c');
    }

    private static double[] values(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    @Test
    void irregularKeepsTheLargestMagnitudes() {
        assertThat(values(Projections.project(dense(W), PruningScheme.IRREGULAR, .75, LayerKind.DENSE)))
                .containsExactly(.9, 0, 0, -.7, 0, 0, 0, 0);
        assertThat(values(Projections.project(dense(W), PruningScheme.IRREGULAR, .5, LayerKind.DENSE)))
                .containsExactly(.9, 0, .3, -.7, 0, 0, -.4, 0);
        assertThat(values(Projections.project(dense(W), PruningScheme.IRREGULAR, 0, LayerKind.DENSE)))
                .containsExactly(W);
    }

    @Test
    void irregularTiesKeepTheLowerIndex() {
        assertThat(values(Projections.project(dense(.5, -.5, .5, .1), PruningScheme.IRREGULAR, .5)))
                .containsExactly(.5, -.5, 0, 0);
        assertThat(values(Projections.project(dense(.1, .5, .5, .5), PruningScheme.IRREGULAR, .5)))
                .containsExactly(0, .5, .5, 0);
        // All equal: exactly k survive, the first ones (a percentile threshold would keep all four).
        assertThat(values(Projections.project(dense(2, 2, 2, 2), PruningScheme.IRREGULAR, .75)))
                .containsExactly(2, 0, 0, 0);
    }

    @Test
    void irregularKeepsExactlyKOfRandomWeightsWithTies() {
        Random random = new Random(42);
        int[] sizes = {1, 2, 3, 7, 10, 64, 99, 1000};
        double[] ratios = {0, .1, .25, .5, .8, .9375, .947, .99};
        for (int n : sizes) {
            for (double p : ratios) {
                double[] w = new double[n];
                for (int i = 0; i < n; i++) {
                    w[i] = (random.nextInt(4) + 1) * (random.nextBoolean() ? 1 : -1); // many ties, no zeros
                }
                double[] out = values(Projections.project(dense(w), PruningScheme.IRREGULAR, p));
                int kept = 0;
                double minKept = Double.POSITIVE_INFINITY;
                double maxDropped = 0;
                int lastKeptAtMin = -1;
                int firstDroppedAtMax = Integer.MAX_VALUE;
                for (int i = 0; i < n; i++) {
                    if (out[i] != 0) {
                        assertThat(out[i]).isEqualTo(w[i]);
                        kept++;
                        minKept = Math.min(minKept, Math.abs(w[i]));
                    } else {
                        maxDropped = Math.max(maxDropped, Math.abs(w[i]));
                    }
                }
                for (int i = 0; i < n; i++) {
                    if (out[i] != 0 && Math.abs(w[i]) == maxDropped) {
                        lastKeptAtMin = i;
                    }
                    if (out[i] == 0 && Math.abs(w[i]) == maxDropped && i < firstDroppedAtMax) {
                        firstDroppedAtMax = i;
                    }
                }
                assertThat(kept).as("n=%d p=%s", n, p).isEqualTo(n - (int) Math.round(p * n))
                        .isEqualTo(Projections.keptCount(n, p));
                if (kept > 0 && kept < n) {
                    assertThat(minKept).as("n=%d p=%s", n, p).isGreaterThanOrEqualTo(maxDropped);
                    assertThat(lastKeptAtMin).as("tie-break n=%d p=%s", n, p).isLessThan(firstDroppedAtMax);
                }
            }
        }
    }

    @Test
    void irregularKeepsFloatValuesBitIdenticalAndReturnsANewArray() {
        INDArray w = Nd4j.create(new float[]{.9f, -.05f, .3f, -.7f, .01f, .2f, -.4f, .08f}, new long[]{2, 1, 2, 2}, 'c');
        INDArray before = w.dup();
        INDArray p = Projections.project(w, PruningScheme.IRREGULAR, .5, LayerKind.CONV);
        assertThat(p.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(p.shape()).containsExactly(2, 1, 2, 2);
        assertThat(p.dup('c').data().asFloat()).containsExactly(.9f, 0, .3f, -.7f, 0, 0, -.4f, 0);
        assertThat(w).isEqualTo(before);
    }

    /** The check matrix as a DL4J conv weight [out=4, in=2, 1, 1]. */
    private static INDArray conv() {
        return Nd4j.create(FILTERS).reshape('c', 4, 2, 1, 1);
    }

    @Test
    void filterPruningOfConvKeepsTheFiltersOfLargestNorm() {
        INDArray p = Projections.project(conv(), PruningScheme.FILTER, .5, LayerKind.CONV);
        assertThat(p.shape()).containsExactly(4, 2, 1, 1);
        assertThat(values(p)).containsExactly(0, 0, 1, -1, 0, 0, -.5, .6);
    }

    @Test
    void columnPruningOfConvKeepsTheColumnsOfLargestNorm() {
        INDArray p = Projections.project(conv(), PruningScheme.COLUMN, .5, LayerKind.CONV);
        assertThat(values(p)).containsExactly(0, .2, 0, -1, 0, 0, 0, .6);
    }

    @Test
    void columnsOfConvAreInTimesKernelPositions() {
        // [out=2, in=1, kh=1, kw=3]: columns of the [2, 3] matrix have squared norms 2, 8, 0.5.
        INDArray w = Nd4j.create(new double[]{1, 2, .5, 1, -2, -.5}, new long[]{2, 1, 1, 3}, 'c');
        assertThat(values(Projections.project(w, PruningScheme.COLUMN, .6, LayerKind.CONV)))
                .containsExactly(0, 2, 0, 0, -2, 0);
        assertThat(values(Projections.project(w, PruningScheme.FILTER, .5, LayerKind.CONV)))
                .containsExactly(1, 2, .5, 0, 0, 0); // equal norms: the lower filter wins
    }

    @Test
    void denseWeightsAreInputByOutputSoFiltersAreColumns() {
        // The same data as a DL4J dense weight [nIn=2, nOut=4], stored column-major as DL4J's parameter views are.
        INDArray w = Nd4j.create(FILTERS).transpose().dup('f');
        assertThat(w.shape()).containsExactly(2, 4);
        INDArray filter = Projections.project(w, PruningScheme.FILTER, .5, LayerKind.DENSE);
        assertThat(filter.shape()).containsExactly(2, 4);
        assertThat(filter).isEqualTo(Nd4j.create(new double[][]{{0, 1, 0, -.5}, {0, -1, 0, .6}}));
        INDArray column = Projections.project(w, PruningScheme.COLUMN, .5, LayerKind.DENSE);
        assertThat(column).isEqualTo(Nd4j.create(new double[][]{{0, 0, 0, 0}, {.2, -1, 0, .6}}));
        assertThat(Projections.project(w, PruningScheme.FILTER, .5)).isEqualTo(filter);
    }

    @Test
    void maskIsTheNonzeroPattern() {
        INDArray p = Projections.project(dense(W).castTo(DataType.FLOAT), PruningScheme.IRREGULAR, .5);
        INDArray mask = Projections.mask(p);
        assertThat(mask.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(mask.dup('c').data().asDouble()).containsExactly(1, 0, 1, 1, 0, 0, 1, 0);
    }

    @Test
    void rejectsBadRatiosShapesAndValues() {
        assertThatThrownBy(() -> Projections.project(dense(W), PruningScheme.IRREGULAR, 1.0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pruning ratio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> Projections.project(dense(W), PruningScheme.FILTER, -.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pruning ratio must be in [0, 1), got -0.1");
        assertThatThrownBy(() -> Projections.project(dense(W), PruningScheme.FILTER, .5, LayerKind.CONV))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("CONV weight must have rank 4, got shape [1, 8]");
        assertThatThrownBy(() -> Projections.project(Nd4j.create(new double[]{1, 2, 3}, new long[]{3}, 'c'),
                PruningScheme.IRREGULAR, .5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot prune a weight of shape [3]: expected rank 4 [out, in, kh, kw] (conv) "
                        + "or rank 2 [nIn, nOut] (dense)");
        assertThatThrownBy(() -> Projections.project(dense(1, Double.NaN), PruningScheme.IRREGULAR, .5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot prune a weight holding NaN at flat index 1");
    }
}
