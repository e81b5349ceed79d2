package ai.synergy.evaluation;

import java.io.Serializable;

/**
 * Top-k counts of a network on natural test examples and on adversarial versions of the same examples, summed across
 * executors.
 *
 * @param natural     counts on the test examples as they are
 * @param adversarial counts on the attacked examples
 */
public record RobustCounts(TopKCounts natural, TopKCounts adversarial) implements Serializable {

    /** Nothing scored. */
    public static final RobustCounts EMPTY = new RobustCounts(TopKCounts.EMPTY, TopKCounts.EMPTY);

    /** The element-wise sum. */
    public RobustCounts plus(RobustCounts other) {
        return new RobustCounts(natural.plus(other.natural), adversarial.plus(other.adversarial));
    }
}
