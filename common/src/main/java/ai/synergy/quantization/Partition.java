package ai.synergy.quantization;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * INQ's weight partition (Zhou et al., arXiv:1702.03044; docs/methods.md section 3, "Rounds"): which weights of a
 * layer are frozen (quantized) after a round. The result is a new 0/1 mask, 1 = frozen, in C order of the weights'
 * shape and in their data type; it always contains the already-frozen weights, so the frozen set only grows.
 *
 * <p>Counts. With n weights of which p are pruned, a round at accumulated portion q freezes
 * {@code p + round(q * (n - p))} weights ({@link Math#round}, halves up): the portion counts only the weights left by
 * pruning, and the pruned ones (exactly 0) are frozen at 0 from the first round on. When more weights are already
 * frozen than that, none is added.
 */
public final class Partition {
    private Partition() {
    }

    /** {@link #magnitude(INDArray, INDArray, INDArray, double)} of an unpruned layer. */
    public static INDArray magnitude(INDArray weights, INDArray alreadyFrozen, double accumulatedPortion) {
        return magnitude(weights, alreadyFrozen, null, accumulatedPortion);
    }

    /**
     * The "pruning-inspired" partition: the free weights of largest |w| join the frozen set until it holds
     * {@link #frozenCount} weights. Exact top-k with a deterministic tie-break: among equal |w| the lower flat index
     * (C order) is frozen first; never a percentile threshold, which can take an extra tied weight.
     *
     * @param alreadyFrozen      0/1, frozen by earlier rounds; null for none
     * @param pruned             0/1, 1 = pruned by an earlier pruning stage (each such weight exactly 0); null for
     *                           none
     * @param accumulatedPortion q in [0, 1]
     */
    public static INDArray magnitude(INDArray weights, INDArray alreadyFrozen, INDArray pruned,
                                     double accumulatedPortion) {
        Start s = new Start(weights, alreadyFrozen, pruned, accumulatedPortion);
        if (s.toAdd > 0) {
            double[] magnitude = new double[s.free];
            int j = 0;
            for (int i = 0; i < s.w.length; i++) {
                if (!s.frozen[i]) {
                    magnitude[j++] = Math.abs(s.w[i]);
                }
            }
            Arrays.sort(magnitude);
            double threshold = magnitude[s.free - s.toAdd];
            int above = 0;
            for (double m : magnitude) {
                if (m > threshold) {
                    above++;
                }
            }
            int ties = s.toAdd - above;
            boolean[] chosen = new boolean[s.w.length];
            for (int i = 0; i < s.w.length; i++) {
                if (s.frozen[i]) {
                    continue;
                }
                double m = Math.abs(s.w[i]);
                if (m > threshold) {
                    chosen[i] = true;
                } else if (m == threshold && ties > 0) {
                    chosen[i] = true;
                    ties--;
                }
            }
            for (int i = 0; i < chosen.length; i++) {
                s.frozen[i] |= chosen[i];
            }
        }
        return Flat.toMask(s.frozen, weights);
    }

    /** {@link #random(INDArray, INDArray, INDArray, double, long)} of an unpruned layer. */
    public static INDArray random(INDArray weights, INDArray alreadyFrozen, double accumulatedPortion, long seed) {
        return random(weights, alreadyFrozen, null, accumulatedPortion, seed);
    }

    /**
     * The random partition, the paper's ablation (worse than magnitude: 32.11 against 31.02 top-1 error for 5-bit
     * ResNet-18): the same counts as {@link #magnitude}, the added weights drawn uniformly among the free ones by a
     * {@link SplittableRandom} seeded with {@code seed} (same seed and inputs, same mask).
     */
    public static INDArray random(INDArray weights, INDArray alreadyFrozen, INDArray pruned, double accumulatedPortion,
                                  long seed) {
        Start s = new Start(weights, alreadyFrozen, pruned, accumulatedPortion);
        if (s.toAdd > 0) {
            int[] free = new int[s.free];
            int j = 0;
            for (int i = 0; i < s.w.length; i++) {
                if (!s.frozen[i]) {
                    free[j++] = i;
                }
            }
            SplittableRandom random = new SplittableRandom(seed);
            for (int k = 0; k < s.toAdd; k++) {
                int pick = k + random.nextInt(free.length - k);
                int chosen = free[pick];
                free[pick] = free[k];
                free[k] = chosen;
                s.frozen[chosen] = true;
            }
        }
        return Flat.toMask(s.frozen, weights);
    }

    /**
     * Weights frozen after a round at accumulated portion {@code portion}: {@code pruned + round(portion * (total -
     * pruned))}.
     */
    public static long frozenCount(long total, long pruned, double portion) {
        checkPortion(portion);
        if (pruned < 0 || pruned > total) {
            throw new IllegalArgumentException("need 0 <= pruned <= total, got " + pruned + " of " + total);
        }
        return pruned + Math.round(portion * (total - pruned));
    }

    private static void checkPortion(double portion) {
        if (!(portion >= 0 && portion <= 1)) {
            throw new IllegalArgumentException("accumulated portion must be in [0, 1], got " + portion);
        }
    }

    /** The inputs of a partition, checked: values, the frozen set so far (already frozen or pruned), counts. */
    private static final class Start {
        final double[] w;
        final boolean[] frozen;
        final int free;
        final int toAdd;

        Start(INDArray weights, INDArray alreadyFrozen, INDArray pruned, double portion) {
            checkPortion(portion);
            w = Flat.values(weights, "partition");
            frozen = Flat.mask(alreadyFrozen, weights, "already-frozen mask");
            boolean[] isPruned = Flat.mask(pruned, weights, "pruned mask");
            int prunedCount = 0;
            int frozenCount = 0;
            for (int i = 0; i < w.length; i++) {
                if (isPruned[i]) {
                    if (w[i] != 0) {
                        throw new IllegalArgumentException("weight at flat index " + i + " is marked pruned but holds "
                                + w[i]);
                    }
                    prunedCount++;
                    frozen[i] = true;
                }
                if (frozen[i]) {
                    frozenCount++;
                }
            }
            free = w.length - frozenCount;
            toAdd = (int) Math.max(0, frozenCount(w.length, prunedCount, portion) - frozenCount);
        }
    }
}
