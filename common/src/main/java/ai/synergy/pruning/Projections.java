package ai.synergy.pruning;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Euclidean projections Proj_S(W) onto the sparsity sets of docs/methods.md section 2, "Projections" (Ye et al.,
 * arXiv:1903.12561; Zhang et al., ECCV 2018). A ratio p is the fraction removed: of n weights (irregular) or of the
 * filters / columns (structured), exactly {@code round(p * n)} are removed ({@link Math#round}, halves round up) and
 * {@code k = n - round(p * n)} kept, the largest by |w| or by L2 norm. Ties are broken by position, the lower index
 * is kept (flat index in row-major order of the logical shape, whatever the array's storage order): exact top-k, never
 * the official code's percentile threshold, which can keep an extra tied weight.
 */
public final class Projections {
    private Projections() {
    }

    /** Proj_S(W), layout inferred from the rank ({@link LayerKind#of}). */
    public static INDArray project(INDArray weights, PruningScheme scheme, double ratio) {
        return project(weights, scheme, ratio, LayerKind.of(weights));
    }

    /**
     * Proj_S(W) as a new array of the same shape and data type; kept weights are bit-identical to the input, the
     * others are +0.
     *
     * <ul>
     * <li>IRREGULAR: keeps the k largest |w| of the whole tensor ({@code kind} only checks the rank).</li>
     * <li>FILTER: keeps the output filters of largest L2 norm: for CONV the slices of dim 0, for DENSE the columns
     *     (dim 1, nOut). Filter pruning a classifier's output layer would remove classes: leave it out.</li>
     * <li>COLUMN: keeps the input columns of largest L2 norm: for CONV the columns of the [out, in*kh*kw] matrix, for
     *     DENSE the rows (dim 0, nIn).</li>
     * </ul>
     *
     * @param ratio fraction removed, in [0, 1)
     */
    public static INDArray project(INDArray weights, PruningScheme scheme, double ratio, LayerKind kind) {
        checkRatio(ratio);
        kind.check(weights);
        double[] w = flat(weights);
        double[] out = new double[w.length];
        if (scheme == PruningScheme.IRREGULAR) {
            double[] magnitude = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                magnitude[i] = Math.abs(w[i]);
            }
            boolean[] keep = keepLargest(magnitude, ratio);
            for (int i = 0; i < w.length; i++) {
                out[i] = keep[i] ? w[i] : 0;
            }
        } else {
            int rows = Math.toIntExact(weights.size(0));
            int cols = rows == 0 ? 0 : w.length / rows;
            // Rows of the [rows, cols] matrix are conv filters and dense inputs; columns the opposite.
            boolean byRow = (scheme == PruningScheme.FILTER) == (kind == LayerKind.CONV);
            double[] squaredNorm = new double[byRow ? rows : cols];
            for (int i = 0; i < w.length; i++) {
                squaredNorm[byRow ? i / cols : i % cols] += w[i] * w[i];
            }
            boolean[] keep = keepLargest(squaredNorm, ratio);
            for (int i = 0; i < w.length; i++) {
                out[i] = keep[byRow ? i / cols : i % cols] ? w[i] : 0;
            }
        }
        return Nd4j.create(out, weights.shape(), 'c').castTo(weights.dataType());
    }

    /** 1 where {@code projected} is nonzero, 0 elsewhere; same shape and data type. */
    public static INDArray mask(INDArray projected) {
        return projected.neq(0).castTo(projected.dataType());
    }

    /** How many of {@code n} items a ratio keeps: {@code n - round(ratio * n)}. */
    public static int keptCount(int n, double ratio) {
        checkRatio(ratio);
        return n - (int) Math.round(ratio * n);
    }

    /**
     * Marks the {@link #keptCount} largest scores, lower index first among equal scores: the k-th largest score is the
     * threshold, everything above it is kept, and the first tied ones by index fill the rest.
     */
    static boolean[] keepLargest(double[] scores, double ratio) {
        int n = scores.length;
        int keep = keptCount(n, ratio);
        boolean[] kept = new boolean[n];
        if (keep == 0) {
            return kept;
        }
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double threshold = sorted[n - keep];
        int above = 0;
        for (double s : scores) {
            if (s > threshold) {
                above++;
            }
        }
        int ties = keep - above;
        for (int i = 0; i < n; i++) {
            if (scores[i] > threshold) {
                kept[i] = true;
            } else if (scores[i] == threshold && ties > 0) {
                kept[i] = true;
                ties--;
            }
        }
        return kept;
    }

    static void checkRatio(double ratio) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("pruning ratio must be in [0, 1), got " + ratio);
        }
    }

    /** Values in row-major order of the logical shape, as doubles (exact for float and half weights). */
    private static double[] flat(INDArray weights) {
        if (weights.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weight too large to prune: " + weights.length() + " values");
        }
        double[] w = Arrays.copyOf(weights.dup('c').data().asDouble(), (int) weights.length());
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException("cannot prune a weight holding " + w[i] + " at flat index " + i);
            }
        }
        return w;
    }
}
