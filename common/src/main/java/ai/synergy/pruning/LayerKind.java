package ai.synergy.pruning;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Layout of a DL4J weight array, which decides what "filter" and "column" mean: a convolution weight is
 * [out, in, kh, kw] (a filter is an index of dim 0), a dense weight is [nIn, nOut] (a filter is a column, dim 1).
 */
public enum LayerKind {
    /** DL4J ConvolutionLayer weight, rank 4 [out, in, kh, kw]. */
    CONV(4),
    /** DL4J DenseLayer / OutputLayer weight, rank 2 [nIn, nOut]. */
    DENSE(2);

    private final int rank;

    LayerKind(int rank) {
        this.rank = rank;
    }

    /** The rank of a weight array of this kind. */
    public int rank() {
        return rank;
    }

    /** Infers the kind from the rank: 4 is a convolution, 2 is dense; anything else is rejected. */
    public static LayerKind of(INDArray weights) {
        int rank = weights.rank();
        for (LayerKind kind : values()) {
            if (kind.rank == rank) {
                return kind;
            }
        }
        throw new IllegalArgumentException("cannot prune a weight of shape " + Arrays.toString(weights.shape())
                + ": expected rank 4 [out, in, kh, kw] (conv) or rank 2 [nIn, nOut] (dense)");
    }

    /** Throws unless {@code weights} has this kind's rank. */
    void check(INDArray weights) {
        if (weights.rank() != rank) {
            throw new IllegalArgumentException(this + " weight must have rank " + rank + ", got shape "
                    + Arrays.toString(weights.shape()));
        }
    }
}
