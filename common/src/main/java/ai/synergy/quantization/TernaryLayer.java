package ai.synergy.quantization;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * MLQ's ternary codebook {-a, 0, +a} of one layer (Xu et al., AAAI 2018, arXiv:1803.03289, section "Multiple-Level
 * Quantization"; docs/methods.md section 4), as three clusters: c0 = 0, c1 = +a, c2 = -a. For a we use Ternary
 * Weight Networks' approximate solution (Li et al., arXiv:1605.04711), computed once from the
 * full-precision weights like INQ's codebook: threshold delta = 0.7 * mean|w|, a = mean of |w| over |w| &gt; delta (the
 * non-pruned weights only). A weight joins +a when w &gt; delta, -a when w &lt; -delta, 0 otherwise; delta and a stay
 * fixed while free weights retrain, so {@link #reassign} only re-applies that rule. An all-zero layer gets
 * delta = a = 0 and quantizes to 0 everywhere.
 */
public final class TernaryLayer extends ClusteredLayer {
    private static final long serialVersionUID = 1L;
    /** TWN's threshold factor: delta = 0.7 * mean|w|. */
    public static final double THRESHOLD_FACTOR = 0.7;

    private final double threshold;

    private TernaryLayer(INDArray weights, INDArray pruned, double threshold, double scale) {
        super(weights, pruned, new double[]{0, scale, 0 - scale});
        this.threshold = threshold;
    }

    private TernaryLayer(State state, double threshold) {
        super(state);
        this.threshold = threshold;
    }

    /**
     * A layer from its {@link #state} and {@link #threshold} (checkpoint restore).
     *
     * @throws IllegalArgumentException unless the centroids are {0, a, -a} with a &gt;= 0, delta is finite and
     *                                  &gt;= 0, and the rest is as {@link ClusteredLayer} checks
     */
    public static TernaryLayer restore(State state, double threshold) {
        double[] c = state.centroids();
        if (c == null || c.length != 3 || !(c[1] >= 0) || Double.doubleToRawLongBits(c[2])
                != Double.doubleToRawLongBits(0 - c[1])) {
            throw new IllegalArgumentException("a ternary layer's centroids are {0, a, -a} with a >= 0, got "
                    + Arrays.toString(c));
        }
        if (!(threshold >= 0 && Double.isFinite(threshold))) {
            throw new IllegalArgumentException("ternary threshold must be finite and >= 0, got " + threshold);
        }
        return new TernaryLayer(state, threshold);
    }

    /** {@link #of(INDArray, INDArray)} of an unpruned layer. */
    public static TernaryLayer of(INDArray weights) {
        return of(weights, null);
    }

    /**
     * The ternary codebook of a layer from its full-precision weights, every weight assigned, none quantized yet.
     *
     * @param pruned 0/1, 1 = pruned (exactly 0, frozen at 0 and left out); null for none
     */
    public static TernaryLayer of(INDArray weights, INDArray pruned) {
        double[] w = Flat.values(weights, "quantize");
        boolean[] p = Flat.mask(pruned, weights, "pruned mask");
        double sum = 0;
        long n = 0;
        for (int i = 0; i < w.length; i++) {
            if (!p[i]) {
                sum += Math.abs(w[i]);
                n++;
            }
        }
        double threshold = n == 0 ? 0 : THRESHOLD_FACTOR * sum / n;
        double above = 0;
        long count = 0;
        for (int i = 0; i < w.length; i++) {
            if (!p[i] && Math.abs(w[i]) > threshold) {
                above += Math.abs(w[i]);
                count++;
            }
        }
        TernaryLayer layer = new TernaryLayer(weights, pruned, threshold, count == 0 ? 0 : above / count);
        layer.assignFree(w);
        return layer;
    }

    /** delta: weights with |w| &lt;= delta quantize to 0. */
    public double threshold() {
        return threshold;
    }

    /** a: the codebook is {-a, 0, +a}. */
    public double scale() {
        return centroids[1];
    }

    /** The codebook {-a, 0, +a}, ascending. */
    public double[] codebook() {
        return new double[]{centroids[2], 0, centroids[1]};
    }

    /** The TWN rule with this layer's delta and a: sgn(w) a when |w| &gt; delta, else 0; NaN is rejected. */
    public double quantize(double w) {
        if (Double.isNaN(w)) {
            throw new IllegalArgumentException("cannot quantize NaN");
        }
        return centroids[cluster(w)];
    }

    @Override
    void assignFree(double[] w) {
        for (int i = 0; i < w.length; i++) {
            if (!frozen[i]) {
                assignment[i] = cluster(w[i]);
            }
        }
    }

    private int cluster(double w) {
        if (w > threshold) {
            return 1;
        }
        return w < -threshold ? 2 : 0;
    }
}
