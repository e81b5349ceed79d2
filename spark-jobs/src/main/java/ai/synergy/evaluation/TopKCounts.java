package ai.synergy.evaluation;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * Correct-prediction counts over some examples, summed across executors.
 *
 * @param examples    examples scored
 * @param top1Correct examples whose label is the arg-max class
 * @param top5Correct examples whose label is among the 5 highest scores (all, when there are 5 classes or fewer)
 * @param lossSum     summed cross-entropy (natural log) of the examples
 */
public record TopKCounts(long examples, long top1Correct, long top5Correct, double lossSum) implements Serializable {

    /** Nothing scored. */
    public static final TopKCounts EMPTY = new TopKCounts(0, 0, 0, 0);

    /** The sum of two counts. */
    public TopKCounts plus(TopKCounts other) {
        return new TopKCounts(examples + other.examples, top1Correct + other.top1Correct,
                top5Correct + other.top5Correct, lossSum + other.lossSum);
    }

    /** Top-1 accuracy (0 for no examples). */
    public double top1() {
        return examples == 0 ? 0 : (double) top1Correct / examples;
    }

    /** Top-5 accuracy (0 for no examples). */
    public double top5() {
        return examples == 0 ? 0 : (double) top5Correct / examples;
    }

    /** Mean cross-entropy. */
    public double meanLoss() {
        return examples == 0 ? 0 : lossSum / examples;
    }

    /** Scores class probabilities [n, classes] (any ordering) against integer labels. */
    public static TopKCounts score(INDArray probabilities, int numClasses, int[] labels) {
        return score(probabilities.dup('c').reshape(probabilities.length()).toFloatVector(), numClasses, labels);
    }

    /** Scores a batch of class probabilities [n, classes] against integer labels. */
    public static TopKCounts score(float[] probabilities, int numClasses, int[] labels) {
        long top1 = 0;
        long top5 = 0;
        double loss = 0;
        for (int i = 0; i < labels.length; i++) {
            int base = i * numClasses;
            float own = probabilities[base + labels[i]];
            int higher = 0;
            for (int c = 0; c < numClasses; c++) {
                float p = probabilities[base + c];
                // a tie goes to the lower class index, as arg-max does
                if (p > own || (p == own && c < labels[i])) {
                    higher++;
                }
            }
            top1 += higher == 0 ? 1 : 0;
            top5 += higher < 5 ? 1 : 0;
            loss -= Math.log(Math.max(own, 1e-12f));
        }
        return new TopKCounts(labels.length, top1, top5, loss);
    }
}
