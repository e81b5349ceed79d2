package ai.synergy.quantization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Codebook-agnostic checks of a quantized weight (docs/methods.md sections 3 and 4, "Checks": every weight of a
 * quantized layer is in its codebook, at most 2^(b-1) + 1 distinct values). Values compare exactly, +0 and -0 as one
 * value, after rounding the codebook to the weights' data type (a double centroid checked against float weights is
 * compared as the float it becomes).
 */
public final class Codebooks {
    private Codebooks() {
    }

    /** True when every element of {@code weights} equals a codebook value (NaN never does). */
    public static boolean allInCodebook(INDArray weights, double[] codebook) {
        return firstOutside(weights, codebook) < 0;
    }

    /** The flat index (C order) of the first element not in the codebook, or -1 when all are in it. */
    public static long firstOutside(INDArray weights, double[] codebook) {
        double[] allowed = Flat.raw(Nd4j.create(codebook.clone(), new long[]{codebook.length}, 'c')
                .castTo(weights.dataType()).castTo(DataType.DOUBLE));
        for (int i = 0; i < allowed.length; i++) {
            allowed[i] += 0.0;
        }
        Arrays.sort(allowed);
        double[] w = Flat.raw(weights);
        for (int i = 0; i < w.length; i++) {
            if (Double.isNaN(w[i]) || Arrays.binarySearch(allowed, w[i] + 0.0) < 0) {
                return i;
            }
        }
        return -1;
    }

    /** The distinct values of {@code weights}, sorted ascending (+0 and -0 give one 0, every NaN one NaN, last). */
    public static double[] distinctValues(INDArray weights) {
        double[] w = Flat.raw(weights);
        for (int i = 0; i < w.length; i++) {
            w[i] += 0.0;
        }
        Arrays.sort(w);
        int n = 0;
        for (int i = 0; i < w.length; i++) {
            if (i == 0 || Double.compare(w[i], w[i - 1]) != 0) {
                w[n++] = w[i];
            }
        }
        return Arrays.copyOf(w, n);
    }

    /** How many distinct values {@code weights} holds ({@link #distinctValues}). */
    public static int distinctCount(INDArray weights) {
        return distinctValues(weights).length;
    }
}
