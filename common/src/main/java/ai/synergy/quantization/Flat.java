package ai.synergy.quantization;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Row-major views of weights and masks as Java arrays: flat index i is the i-th element in C order of the logical
 * shape, whatever the array's storage order, so positions and tie-breaks never depend on how DL4J laid a weight out.
 */
final class Flat {
    private Flat() {
    }

    /** The values in C order as doubles (exact for float and double); NaN or infinity is rejected. */
    static double[] values(INDArray weights, String action) {
        double[] w = raw(weights);
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException("cannot " + action + " a weight holding " + w[i] + " at flat index "
                        + i);
            }
        }
        return w;
    }

    /** The values in C order as doubles, whatever they are. */
    static double[] raw(INDArray weights) {
        checkLength(weights);
        return Arrays.copyOf(weights.dup('c').data().asDouble(), (int) weights.length());
    }

    /** A new C-order array of {@code like}'s shape and data type holding {@code values}. */
    static INDArray toArray(double[] values, INDArray like) {
        return Nd4j.create(values, like.shape(), 'c').castTo(like.dataType());
    }

    /** A new 0/1 C-order array of {@code like}'s shape and data type, 1 where {@code set}. */
    static INDArray toMask(boolean[] set, INDArray like) {
        return toMask(set, like.shape(), like.dataType());
    }

    /** A new 0/1 C-order array of the given shape and data type, 1 where {@code set}. */
    static INDArray toMask(boolean[] set, long[] shape, DataType dataType) {
        double[] out = new double[set.length];
        for (int i = 0; i < set.length; i++) {
            out[i] = set[i] ? 1 : 0;
        }
        return Nd4j.create(out, shape, 'c').castTo(dataType);
    }

    /**
     * A 0/1 (or boolean) mask of {@code like}'s shape as booleans in C order; null means all false. Any other value
     * is rejected, {@code name} names the mask in errors.
     */
    static boolean[] mask(INDArray mask, INDArray like, String name) {
        checkLength(like);
        boolean[] out = new boolean[(int) like.length()];
        if (mask == null) {
            return out;
        }
        if (!Arrays.equals(mask.shape(), like.shape())) {
            throw new IllegalArgumentException(name + " shape " + Arrays.toString(mask.shape())
                    + " differs from the weights' " + Arrays.toString(like.shape()));
        }
        double[] m = mask.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < out.length; i++) {
            if (m[i] == 1) {
                out[i] = true;
            } else if (m[i] != 0) {
                throw new IllegalArgumentException(name + " must hold only 0 and 1, got " + m[i] + " at flat index "
                        + i);
            }
        }
        return out;
    }

    static void checkLength(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("weight too large to quantize: " + a.length() + " values");
        }
    }
}
