package ai.synergy.pruning;

import java.util.List;
import java.util.Objects;

/**
 * Sparsity per pruned layer and in total, and the size of a sparse export of the model.
 *
 * <p>Sparse export scheme (an estimate, no header bytes): each kept weight of a pruned layer is one float32 value;
 * its position is stored per layer in the cheaper of two encodings, an int32 flat index per kept weight (COO, 4
 * bytes each) or a bitmap of one bit per weight (ceil(total / 8) bytes). The bitmap wins once more than 1/32 of a
 * layer is kept, e.g. at the paper's 16x ratio .9375 (2 bits per weight for COO against 1 for the bitmap). Every
 * other parameter is a dense float32.
 *
 * @param layers          one row per pruned layer
 * @param otherParameters parameters stored dense (biases, batch norm, unpruned layers), >= 0
 */
public record SparsityReport(List<LayerSparsity> layers, long otherParameters) {

    public SparsityReport {
        Objects.requireNonNull(layers, "layers must be set");
        layers = List.copyOf(layers);
        if (otherParameters < 0) {
            throw new IllegalArgumentException("other parameters must be >= 0, got " + otherParameters);
        }
    }

    /**
     * One pruned layer.
     *
     * @param layer DL4J layer name
     * @param total weights of the layer
     * @param kept  nonzero (unmasked) weights, in [0, total]
     */
    public record LayerSparsity(String layer, long total, long kept) {
        public LayerSparsity {
            Objects.requireNonNull(layer, "layer must be set");
            if (total < 0 || kept < 0 || kept > total) {
                throw new IllegalArgumentException("layer " + layer + ": need 0 <= kept <= total, got kept " + kept
                        + " of " + total);
            }
        }

        /** Fraction of the layer's weights pruned (0 for an empty layer). */
        public double sparsity() {
            return total == 0 ? 0 : 1 - (double) kept / total;
        }

        /** Bytes of this layer in the sparse export: float32 values plus the cheaper position encoding. */
        public long sparseBytes() {
            return 4 * kept + Math.min(4 * kept, (total + 7) / 8);
        }
    }

    /** Weights in the pruned layers. */
    public long prunableTotal() {
        return layers.stream().mapToLong(LayerSparsity::total).sum();
    }

    /** Kept weights in the pruned layers. */
    public long prunableKept() {
        return layers.stream().mapToLong(LayerSparsity::kept).sum();
    }

    /** Fraction of the pruned layers' weights removed. */
    public double sparsity() {
        long total = prunableTotal();
        return total == 0 ? 0 : 1 - (double) prunableKept() / total;
    }

    /** Parameters of the model, dense count. */
    public long totalParameters() {
        return prunableTotal() + otherParameters;
    }

    /** Nonzero parameters of the model (kept weights plus every other parameter). */
    public long keptParameters() {
        return prunableKept() + otherParameters;
    }

    /** Bytes of the model as dense float32. */
    public long denseExportBytes() {
        return 4 * totalParameters();
    }

    /** Estimated bytes of a sparse export (scheme in the class comment). */
    public long sparseExportBytes() {
        return layers.stream().mapToLong(LayerSparsity::sparseBytes).sum() + 4 * otherParameters;
    }
}
