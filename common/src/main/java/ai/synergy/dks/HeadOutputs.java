package ai.synergy.dks;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/** Splits the [B, M*C] concatenated logits of M classifier heads into per-head softmax probabilities and their ensemble. */
public final class HeadOutputs {
    private HeadOutputs() {
    }

    /**
     * Head {@code head}'s logits: columns [head*C, (head+1)*C) of {@code logits}, as a [B, C] copy.
     *
     * @throws IllegalArgumentException if {@code logits} is not [B, heads*classes] or {@code head} is out of range
     */
    public static INDArray logits(INDArray logits, int head, int heads, int classes) {
        checkShape(logits, heads, classes);
        if (head < 0 || head >= heads) {
            throw new IllegalArgumentException("head must be in [0, " + heads + "), got " + head);
        }
        return headView(logits, head, classes).dup();
    }

    /**
     * Per-head softmax probabilities: element m is the [B, C] softmax of head m's logits (head 0 = main head).
     *
     * @throws IllegalArgumentException if {@code logits} is not [B, heads*classes]
     */
    public static INDArray[] softmaxPerHead(INDArray logits, int heads, int classes) {
        checkShape(logits, heads, classes);
        INDArray[] out = new INDArray[heads];
        for (int m = 0; m < heads; m++) {
            out[m] = softmax(headView(logits, m, classes), 1.0);
        }
        return out;
    }

    /**
     * The ensemble prediction: mean over the heads of their softmax probabilities, [B, C].
     *
     * @throws IllegalArgumentException if {@code logits} is not [B, heads*classes]
     */
    public static INDArray ensemble(INDArray logits, int heads, int classes) {
        INDArray[] probs = softmaxPerHead(logits, heads, classes);
        INDArray sum = probs[0].dup();
        for (int m = 1; m < heads; m++) {
            sum.addi(probs[m]);
        }
        return sum.divi(heads);
    }

    /** A view of head m's [B, C] block of the concatenated logits (no copy; do not modify). */
    static INDArray headView(INDArray logits, int m, int classes) {
        return logits.get(NDArrayIndex.all(), NDArrayIndex.interval((long) m * classes, (long) (m + 1) * classes));
    }

    /** Row-wise log softmax of {@code z / temperature}, computed stably (max subtracted before exp); a new array. */
    static INDArray logSoftmax(INDArray z, double temperature) {
        INDArray scaled = temperature == 1.0 ? z.dup() : z.div(temperature);
        scaled.subiColumnVector(scaled.max(true, 1));
        INDArray logSumExp = Transforms.exp(scaled, true).sum(true, 1);
        return scaled.subiColumnVector(Transforms.log(logSumExp, false));
    }

    /** Row-wise softmax of {@code z / temperature} (exp of {@link #logSoftmax}); a new array. */
    static INDArray softmax(INDArray z, double temperature) {
        return Transforms.exp(logSoftmax(z, temperature), false);
    }

    static void checkShape(INDArray logits, int heads, int classes) {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (logits == null || logits.rank() != 2 || logits.size(1) != (long) heads * classes) {
            throw new IllegalArgumentException("logits must be [B, heads*classes] = [B, " + (long) heads * classes
                    + "] (" + heads + " heads x " + classes + " classes), got "
                    + (logits == null ? "null" : Arrays.toString(logits.shape())));
        }
    }
}
