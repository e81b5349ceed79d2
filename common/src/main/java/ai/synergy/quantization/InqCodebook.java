package ai.synergy.quantization;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * INQ's power-of-two codebook P_l of one layer and its rounding rule (Zhou et al., ICLR 2017, arXiv:1702.03044,
 * Eq. 2-4; docs/methods.md section 3, "Codebook" and "Rounding"). From s = max|W_l| and bit-width b:
 * n1 = floor(log2(4s/3)), n2 = n1 + 1 - 2^(b-1)/2 and P_l = {0} U {+-2^k : n2 &lt;= k &lt;= n1}, 2^(b-1) + 1 values.
 * Computed once per layer from the full-precision weights; biases and batch norm are never quantized.
 *
 * <p>An all-zero layer (s = 0) has no n1: its codebook is {0} and every weight quantizes to 0.
 *
 * @param bits    bit-width b, in [2, 8] (b = 5 is the paper's headline; lower b needs more rounds)
 * @param maxAbs  s = max|W_l| of the full-precision weights, finite and >= 0
 */
public record InqCodebook(int bits, double maxAbs) implements Serializable {
    /** Smallest bit-width: {0, +-2^n1}. */
    public static final int MIN_BITS = 2;
    /** Largest bit-width: 129 values. */
    public static final int MAX_BITS = 8;

    public InqCodebook {
        checkBits(bits);
        if (!(maxAbs >= 0 && Double.isFinite(maxAbs))) {
            throw new IllegalArgumentException("max |w| must be finite and >= 0, got " + maxAbs);
        }
    }

    /** The codebook of a layer from its full-precision weights (s = max|W|); a non-finite weight is rejected. */
    public static InqCodebook of(INDArray weights, int bits) {
        double s = 0;
        double[] w = Flat.values(weights, "quantize");
        for (double v : w) {
            s = Math.max(s, Math.abs(v));
        }
        return new InqCodebook(bits, s);
    }

    /** True for an all-zero layer, whose codebook is {0}. */
    public boolean isZero() {
        return maxAbs == 0;
    }

    /**
     * n1 = floor(log2(4s/3)) (Eq. 2), computed exactly: the k with 0.75 * 2^k &lt;= s &lt; 1.5 * 2^k, without rounding
     * 4s/3 first.
     *
     * @throws IllegalStateException for an all-zero layer
     */
    public int n1() {
        if (isZero()) {
            throw new IllegalStateException("an all-zero layer has the codebook {0} and no n1");
        }
        return roundingExponent(maxAbs);
    }

    /** n2 = n1 + 1 - 2^(b-1)/2 (Eq. 3); same exception as {@link #n1}. */
    public int n2() {
        return n1() + 1 - (1 << (bits - 2));
    }

    /** P_l sorted ascending: -2^n1, ..., -2^n2, 0, 2^n2, ..., 2^n1 (just {0} for an all-zero layer). */
    public double[] values() {
        if (isZero()) {
            return new double[]{0};
        }
        int n1 = n1();
        int n2 = n2();
        int half = n1 - n2 + 1;
        double[] values = new double[2 * half + 1];
        for (int i = 0; i < half; i++) {
            values[i] = -Math.scalb(1.0, n1 - i);
            values[2 * half - i] = Math.scalb(1.0, n1 - i);
        }
        return values;
    }

    /**
     * Eq. 4: w -&gt; beta sgn(w) when (alpha + beta)/2 &lt;= |w| &lt; 3 beta/2, alpha and beta adjacent in
     * {0, 2^n2, ..., 2^n1}; |w| &lt; 2^(n2-1) -&gt; +0. Exact ties round up (.375 -&gt; .5 at n1 = -1); the official
     * Caffe code rounds them down; we follow the paper (docs/methods.md section 3). A |w| of 1.5 * 2^n1 or more (a
     * free weight that grew while retraining; the layer's own s is always below it) saturates at the nearest value,
     * 2^n1 sgn(w).
     *
     * @throws IllegalArgumentException for NaN
     */
    public double quantize(double w) {
        if (Double.isNaN(w)) {
            throw new IllegalArgumentException("cannot quantize NaN");
        }
        double a = Math.abs(w);
        if (isZero() || a == 0) {
            return 0;
        }
        int n2 = n2();
        if (a < Math.scalb(1.0, n2 - 1)) {
            return 0;
        }
        int k = Math.min(n1(), Math.max(n2, roundingExponent(a)));
        return Math.copySign(Math.scalb(1.0, k), w);
    }

    /** {@link #quantize(double)} of every weight, a new array of the same shape and data type. */
    public INDArray quantize(INDArray weights) {
        double[] w = Flat.values(weights, "quantize");
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = quantize(w[i]);
        }
        return Flat.toArray(out, weights);
    }

    /**
     * Quantizes in place the weights where {@code mask} is 1 (after a partition: the newly and already frozen ones;
     * quantizing a codebook value again leaves it unchanged) and leaves the others bit-identical.
     *
     * @param mask 0/1, the weights' shape
     * @return {@code weights}
     */
    public INDArray quantizeWhere(INDArray weights, INDArray mask) {
        double[] w = Flat.values(weights, "quantize");
        boolean[] m = Flat.mask(mask, weights, "mask");
        boolean changed = false;
        for (int i = 0; i < w.length; i++) {
            if (m[i]) {
                double q = quantize(w[i]);
                changed |= Double.doubleToRawLongBits(q) != Double.doubleToRawLongBits(w[i]);
                w[i] = q;
            }
        }
        if (changed) {
            weights.assign(Flat.toArray(w, weights));
        }
        return weights;
    }

    /** The k with 0.75 * 2^k &lt;= x &lt; 1.5 * 2^k, i.e. floor(log2(4x/3)), exactly, for finite x &gt; 0. */
    static int roundingExponent(double x) {
        if (x < Double.MIN_NORMAL) {
            return roundingExponent(Math.scalb(x, 64)) - 64;
        }
        int e = Math.getExponent(x);
        return x >= Math.scalb(1.5, e) ? e + 1 : e;
    }

    static void checkBits(int bits) {
        if (bits < MIN_BITS || bits > MAX_BITS) {
            throw new IllegalArgumentException("bits must be in [" + MIN_BITS + ", " + MAX_BITS + "], got " + bits);
        }
    }
}
