package ai.synergy.pruning;

import ai.synergy.config.InvalidInputException;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one layer is pruned to: its sparsity set S (scheme, ratio) and its weight layout, i.e. everything
 * {@link Projections#project} needs (docs/methods.md section 2, "Projections").
 *
 * @param scheme irregular, filter or column
 * @param ratio  fraction removed, in (0, 1): a layer at ratio 0 is not pruned and has no LayerPruning
 * @param kind   conv [out, in, kh, kw] or dense [nIn, nOut]
 */
public record LayerPruning(PruningScheme scheme, double ratio, LayerKind kind) implements Serializable {

    public LayerPruning {
        Objects.requireNonNull(scheme, "pruning scheme must be set");
        Objects.requireNonNull(kind, "layer kind must be set");
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException("pruning ratio of a pruned layer must be in (0, 1), got " + ratio);
        }
    }

    /** Proj_S(W) of this layer, a new array. */
    public INDArray project(INDArray weights) {
        return Projections.project(weights, scheme, ratio, kind);
    }

    /**
     * The pruning plan of a model: every layer of {@code weights} (layer name to weight, chosen by the caller: the
     * prunable layers) with a ratio above 0, its kind inferred from the rank. A layer named in {@code ratios} but
     * missing from {@code weights} is an input error (a typo would otherwise prune nothing).
     */
    public static Map<String, LayerPruning> plan(Map<String, INDArray> weights, PruningScheme scheme,
                                                 PruningRatios ratios) {
        for (String layer : ratios.perLayer().keySet()) {
            if (!weights.containsKey(layer)) {
                throw new InvalidInputException("pruning ratios name layer '" + layer
                        + "', which is not a prunable layer; prunable: " + new TreeMap<>(weights).keySet());
            }
        }
        Map<String, LayerPruning> plan = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : weights.entrySet()) {
            double ratio = ratios.ratioFor(e.getKey());
            if (ratio > 0) {
                plan.put(e.getKey(), new LayerPruning(scheme, ratio, LayerKind.of(e.getValue())));
            }
        }
        return Collections.unmodifiableMap(plan);
    }
}
