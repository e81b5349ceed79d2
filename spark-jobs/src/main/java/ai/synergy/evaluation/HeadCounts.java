package ai.synergy.evaluation;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Top-k counts of every classifier head of a network, summed across executors: one entry for a plain network; for a
 * deeply supervised training graph the main head first, then the auxiliary heads, plus their ensemble (the mean of
 * the heads' softmax outputs).
 *
 * @param perHead  counts per head, main head first
 * @param ensemble counts of the heads' ensemble ({@link TopKCounts#EMPTY} for a single head)
 */
public record HeadCounts(List<TopKCounts> perHead, TopKCounts ensemble) implements Serializable {

    public HeadCounts {
        perHead = List.copyOf(perHead);
    }

    /** The model's accuracy: its main head. */
    public TopKCounts main() {
        return perHead.get(0);
    }

    /** The element-wise sum. */
    public HeadCounts plus(HeadCounts other) {
        if (other.perHead.size() != perHead.size()) {
            throw new IllegalArgumentException("cannot add counts of " + perHead.size() + " and "
                    + other.perHead.size() + " heads");
        }
        List<TopKCounts> sum = new ArrayList<>(perHead.size());
        for (int i = 0; i < perHead.size(); i++) {
            sum.add(perHead.get(i).plus(other.perHead.get(i)));
        }
        return new HeadCounts(sum, ensemble.plus(other.ensemble));
    }
}
