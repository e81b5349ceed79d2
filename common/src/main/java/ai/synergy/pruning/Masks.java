package ai.synergy.pruning;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-layer 0/1 masks from hard pruning (docs/methods.md section 2, "Hard pruning and masked retraining":
 * W &lt;- Proj_S(W), mask = nonzero pattern; Ye et al., arXiv:1903.12561). During masked retraining {@link #apply}
 * runs after every update on the executors and after every averaging round on the driver, because averaged weights
 * that should be 0 need not come back bit-identical (docs/architecture.md, "Known traps").
 */
public final class Masks implements WeightConstraint, Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, INDArray> masks;
    private final Map<String, Long> kept;

    private Masks(Map<String, INDArray> masks) {
        Map<String, INDArray> copy = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : masks.entrySet()) {
            INDArray m = e.getValue();
            long ones = m.eq(1).castTo(m.dataType()).sumNumber().longValue();
            long zeros = m.eq(0).castTo(m.dataType()).sumNumber().longValue();
            if (ones + zeros != m.length()) {
                throw new IllegalArgumentException("mask of layer " + e.getKey() + " must hold only 0 and 1");
            }
            copy.put(e.getKey(), m.dup());
            counts.put(e.getKey(), ones);
        }
        this.masks = Collections.unmodifiableMap(copy);
        this.kept = Collections.unmodifiableMap(counts);
    }

    /** Masks as given (0/1 arrays by layer name, copied). */
    public static Masks of(Map<String, INDArray> masks) {
        return new Masks(masks);
    }

    /**
     * Hard pruning: for every layer of {@code plan}, W &lt;- Proj_S(W) in place (the arrays of {@code weights} are
     * assigned, so DL4J parameter views update the network) and mask = the nonzero pattern of the projection. A kept
     * weight that happens to be exactly 0 is masked too: it was already contributing nothing.
     */
    public static Masks hardPrune(Map<String, INDArray> weights, Map<String, LayerPruning> plan) {
        Map<String, INDArray> masks = new TreeMap<>();
        for (Map.Entry<String, LayerPruning> e : plan.entrySet()) {
            INDArray w = weights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("no weight given for pruned layer " + e.getKey());
            }
            INDArray projected = e.getValue().project(w);
            w.assign(projected);
            masks.put(e.getKey(), Projections.mask(projected));
        }
        return new Masks(masks);
    }

    /**
     * Multiplies every masked layer's array by its mask in place, so pruned entries are exactly +0 (a -0 product
     * is turned into +0). Use it on weights and on weight gradients alike. Every masked layer must be present;
     * other entries are left alone.
     */
    public void apply(Map<String, INDArray> params) {
        for (String layer : masks.keySet()) {
            INDArray target = params.get(layer);
            if (target == null) {
                throw new IllegalArgumentException("no array given for masked layer " + layer);
            }
            apply(layer, target);
        }
    }

    /** {@link #apply(Map)} for one layer's array. */
    public void apply(String layer, INDArray target) {
        INDArray m = mask0(layer);
        if (!Arrays.equals(m.shape(), target.shape())) {
            throw new IllegalArgumentException("layer " + layer + ": mask shape " + Arrays.toString(m.shape())
                    + " differs from " + Arrays.toString(target.shape()));
        }
        // x * 0 is -0 for negative x; adding +0 turns it into +0 and leaves every other value unchanged.
        target.muli(m.castTo(target.dataType())).addi(0.0);
    }

    /** Masked retraining's gradient rule: pruned weights get no gradient. */
    @Override
    public void adjustGradients(Map<String, INDArray> weights, Map<String, INDArray> gradients, long minibatchSize) {
        apply(gradients);
    }

    /** Pruned weights back to exactly +0 (momentum and weight decay would otherwise move them). */
    @Override
    public void adjustWeights(Map<String, INDArray> weights) {
        apply(weights);
    }

    /** The masked layers, sorted by name. */
    @Override
    public Set<String> layers() {
        return masks.keySet();
    }

    /** A copy of one layer's mask. */
    public INDArray mask(String layer) {
        return mask0(layer).dup();
    }

    /** Weights of a layer. */
    public long total(String layer) {
        return mask0(layer).length();
    }

    /** Kept (unmasked) weights of a layer. */
    public long kept(String layer) {
        mask0(layer);
        return kept.get(layer);
    }

    /** Fraction of a layer's weights pruned. */
    public double sparsity(String layer) {
        long total = total(layer);
        return total == 0 ? 0 : 1 - (double) kept(layer) / total;
    }

    /** Kept weights over every masked layer. */
    public long keptParameters() {
        return kept.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Weights over every masked layer. */
    public long totalParameters() {
        return masks.values().stream().mapToLong(INDArray::length).sum();
    }

    /**
     * The sparsity report of a model whose masked layers are these and which has {@code otherParameters} more
     * parameters stored dense (biases, batch norm, unpruned layers).
     */
    public SparsityReport report(long otherParameters) {
        List<SparsityReport.LayerSparsity> rows = new ArrayList<>();
        for (String layer : masks.keySet()) {
            rows.add(new SparsityReport.LayerSparsity(layer, total(layer), kept(layer)));
        }
        return new SparsityReport(rows, otherParameters);
    }

    private INDArray mask0(String layer) {
        INDArray m = masks.get(layer);
        if (m == null) {
            throw new IllegalArgumentException("layer " + layer + " has no mask; masked: " + masks.keySet());
        }
        return m;
    }
}
