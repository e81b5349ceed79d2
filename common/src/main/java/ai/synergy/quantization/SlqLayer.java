package ai.synergy.quantization;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SLQ's per-layer k-means codebook (Xu et al., AAAI 2018, arXiv:1803.03289, section "Single-Level Quantization";
 * docs/methods.md section 4): 2^(b-1) + 1 clusters with c0 = 0 fixed, initial centroids 0, +-2^e, +-2^(e-1), ...
 * (e = floor(log2 max|w|); order c1 = +2^e, c2 = -2^e, c3 = +2^(e-1), ...), {@value #ITERATIONS} Lloyd iterations of
 * squared distance, ties to the lower index. The codebook is the float centroids, not powers of two.
 *
 * <p>One Lloyd iteration assigns every free weight to its nearest centroid, then moves every centroid that is
 * neither c0 nor quantized to the mean of its free members (an empty cluster keeps its centroid); after the last
 * iteration a centroid is the mean of the members it is reported with, so quantizing a cluster moves its weights as
 * little as possible in squared error.
 */
public final class SlqLayer extends ClusteredLayer {
    private static final long serialVersionUID = 1L;
    /** Lloyd iterations per clustering. */
    public static final int ITERATIONS = 10;

    private SlqLayer(INDArray weights, INDArray pruned, double[] centroids) {
        super(weights, pruned, centroids);
    }

    private SlqLayer(State state) {
        super(state);
    }

    /**
     * A layer from its {@link #state} (checkpoint restore): 2^(b-1) + 1 clusters for a b in [2, 8], otherwise as
     * {@link ClusteredLayer} checks.
     *
     * @throws IllegalArgumentException when the state is not one SLQ could have produced
     */
    public static SlqLayer restore(State state) {
        int k = state.centroids() == null ? 0 : state.centroids().length;
        if (k < 3 || k > (1 << (InqCodebook.MAX_BITS - 1)) + 1 || Integer.bitCount(k - 1) != 1) {
            throw new IllegalArgumentException("an SLQ layer has 2^(b-1) + 1 clusters, b in [" + InqCodebook.MIN_BITS
                    + ", " + InqCodebook.MAX_BITS + "]; got " + k);
        }
        return new SlqLayer(state);
    }

    /** {@link #cluster(INDArray, int, INDArray)} of an unpruned layer. */
    public static SlqLayer cluster(INDArray weights, int bits) {
        return cluster(weights, bits, null);
    }

    /**
     * The first k-means of a layer's full-precision weights; nothing is quantized yet.
     *
     * @param bits   b in [2, 8]: 2^(b-1) + 1 clusters
     * @param pruned 0/1, 1 = pruned (exactly 0, frozen at 0 and left out); null for none
     */
    public static SlqLayer cluster(INDArray weights, int bits, INDArray pruned) {
        InqCodebook.checkBits(bits);
        double[] w = Flat.values(weights, "cluster");
        boolean[] p = Flat.mask(pruned, weights, "pruned mask");
        double maxAbs = 0;
        for (int i = 0; i < w.length; i++) {
            if (!p[i]) {
                maxAbs = Math.max(maxAbs, Math.abs(w[i]));
            }
        }
        SlqLayer layer = new SlqLayer(weights, pruned, initialCentroids(bits, maxAbs));
        layer.assignFree(w);
        return layer;
    }

    /**
     * c0 = 0, then +-2^floor(log2 maxAbs) / 2^j for j = 0, 1, ..., 2^(b-1) + 1 in all (an all-zero layer uses
     * floor(log2 maxAbs) = 0; its weights all join c0 anyway).
     */
    public static double[] initialCentroids(int bits, double maxAbs) {
        InqCodebook.checkBits(bits);
        if (!(maxAbs >= 0 && Double.isFinite(maxAbs))) {
            throw new IllegalArgumentException("max |w| must be finite and >= 0, got " + maxAbs);
        }
        int e = maxAbs == 0 ? 0 : floorLog2(maxAbs);
        int pairs = 1 << (bits - 2);
        double[] c = new double[2 * pairs + 1];
        for (int j = 0; j < pairs; j++) {
            c[1 + 2 * j] = Math.scalb(1.0, e - j);
            c[2 + 2 * j] = -Math.scalb(1.0, e - j);
        }
        return c;
    }

    @Override
    void assignFree(double[] w) {
        int k = centroids.length;
        for (int iteration = 0; iteration < ITERATIONS; iteration++) {
            double[] sum = new double[k];
            long[] members = new long[k];
            for (int i = 0; i < w.length; i++) {
                if (frozen[i]) {
                    continue;
                }
                int best = 0;
                double bestDistance = w[i] * w[i];
                for (int c = 1; c < k; c++) {
                    double d = w[i] - centroids[c];
                    if (d * d < bestDistance) {
                        bestDistance = d * d;
                        best = c;
                    }
                }
                assignment[i] = best;
                sum[best] += w[i];
                members[best]++;
            }
            for (int c = 1; c < k; c++) {
                if (!quantized[c] && members[c] > 0) {
                    centroids[c] = sum[c] / members[c];
                }
            }
        }
    }

    private static int floorLog2(double x) {
        return x < Double.MIN_NORMAL ? floorLog2(Math.scalb(x, 64)) - 64 : Math.getExponent(x);
    }
}
