package ai.synergy.quantization;

import ai.synergy.pruning.WeightConstraint;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The quantized (frozen) weights of every quantized layer and their values, kept exact while the free weights retrain
 * (INQ: Zhou et al., arXiv:1702.03044, whose re-training updates only the not-yet-quantized weights; SLQ/MLQ: Xu et
 * al., arXiv:1803.03289; docs/methods.md sections 3-4). It has the methods of
 * {@code ai.synergy.pruning.WeightConstraint}: {@link #adjustGradients} zeroes the frozen weights' gradients before the
 * update, {@link #adjustWeights} writes the frozen values back after the update and after every parameter average
 * (momentum, weight decay and averaging of equal float32 values can all move a frozen weight).
 *
 * <p>Exactness. Each layer keeps one overlay array in the captured weights' data type: the frozen value where frozen,
 * NaN elsewhere. Re-imposing runs ND4J's pairwise {@code CompareAndSet} in place, z[i] = (y[i] &lt; +inf) ? y[i] :
 * x[i] with y the overlay, a select that copies: frozen weights get their value bit-for-bit (even when the weight had
 * become NaN or infinite), free weights keep their bits (-0 and NaN included). A product with a 0/1 mask would not:
 * a free -0 plus +0 becomes +0, and NaN times 0 stays NaN. Frozen values themselves must be finite.
 *
 * <p>Serializable for Spark executors; the data-type casts and the gradient overlay are rebuilt lazily there.
 */
public final class FrozenWeights implements WeightConstraint, Serializable {
    private static final long serialVersionUID = 1L;

    /** Frozen value where frozen, NaN where free; C order. */
    private final Map<String, INDArray> overlays;
    private final Map<String, Long> frozen;
    /** Overlay cast to another data type, and +0-where-frozen / NaN-where-free overlays for gradients. */
    private transient volatile Map<String, INDArray> cache;

    private FrozenWeights(Map<String, INDArray> overlays, Map<String, Long> frozen) {
        this.overlays = Collections.unmodifiableMap(overlays);
        this.frozen = Collections.unmodifiableMap(frozen);
    }

    /**
     * Freezes, in every layer of {@code masks}, the weights where the mask is 1 at their current values (so quantize
     * them in place first, e.g. {@link InqCodebook#quantizeWhere}), in the weights' data type. The arrays are copied.
     *
     * @param weights weight of every masked layer, by layer name (extra entries are ignored)
     * @param masks   0/1 per layer, 1 = frozen, the weight's shape
     * @throws IllegalArgumentException when a frozen weight is NaN or infinite
     */
    public static FrozenWeights capture(Map<String, INDArray> weights, Map<String, INDArray> masks) {
        Map<String, INDArray> overlays = new TreeMap<>();
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<String, INDArray> e : masks.entrySet()) {
            String layer = e.getKey();
            INDArray w = weights.get(layer);
            if (w == null) {
                throw new IllegalArgumentException("no weight given for frozen layer " + layer);
            }
            boolean[] m = Flat.mask(e.getValue(), w, "frozen mask of layer " + layer);
            double[] v = Flat.raw(w);
            long count = 0;
            for (int i = 0; i < v.length; i++) {
                if (!m[i]) {
                    v[i] = Double.NaN;
                } else if (Double.isFinite(v[i])) {
                    count++;
                } else {
                    throw new IllegalArgumentException("layer " + layer + ": cannot freeze " + v[i]
                            + " at flat index " + i);
                }
            }
            try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                overlays.put(layer, Flat.toArray(v, w));
            }
            counts.put(layer, count);
        }
        return new FrozenWeights(overlays, counts);
    }

    /** The layers with frozen weights, sorted by name (a layer may have none frozen yet). */
    @Override
    public Set<String> layers() {
        return overlays.keySet();
    }

    /**
     * Zeroes, in place, the gradients of the frozen weights of every layer (minibatch size and weights are not
     * needed). Every layer must have a gradient; other entries are left alone.
     */
    @Override
    public void adjustGradients(Map<String, INDArray> weights, Map<String, INDArray> gradients, long minibatchSize) {
        for (String layer : overlays.keySet()) {
            INDArray g = gradients.get(layer);
            if (g == null) {
                throw new IllegalArgumentException("no gradient given for frozen layer " + layer);
            }
            zeroFrozenGradients(layer, g);
        }
    }

    /** Writes the frozen values back, in place, into every layer's weight; other entries are left alone. */
    @Override
    public void adjustWeights(Map<String, INDArray> weights) {
        for (String layer : overlays.keySet()) {
            INDArray w = weights.get(layer);
            if (w == null) {
                throw new IllegalArgumentException("no weight given for frozen layer " + layer);
            }
            restore(layer, w);
        }
    }

    /** {@link #adjustGradients} for one layer's gradient: +0 where frozen, bit-identical elsewhere. */
    public void zeroFrozenGradients(String layer, INDArray gradient) {
        select(gradient, cached(layer, gradient.dataType(), true));
    }

    /** {@link #adjustWeights} for one layer's weight: the frozen values where frozen, bit-identical elsewhere. */
    public void restore(String layer, INDArray weight) {
        select(weight, cached(layer, weight.dataType(), false));
    }

    /** A copy of one layer's mask, 1 = frozen, C order, in the captured data type. */
    public INDArray mask(String layer) {
        INDArray o = overlay(layer);
        double[] v = Flat.raw(o);
        boolean[] frozenAt = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            frozenAt[i] = !Double.isNaN(v[i]);
        }
        return Flat.toMask(frozenAt, o);
    }

    /** A copy of one layer's frozen values, +0 where free, C order, in the captured data type. */
    public INDArray values(String layer) {
        INDArray o = overlay(layer);
        double[] v = Flat.raw(o);
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) {
                v[i] = 0;
            }
        }
        return Flat.toArray(v, o);
    }

    /** Frozen weights of a layer. */
    public long frozen(String layer) {
        overlay(layer);
        return frozen.get(layer);
    }

    /** Weights of a layer. */
    public long total(String layer) {
        return overlay(layer).length();
    }

    /** Frozen weights over every layer. */
    public long frozenParameters() {
        return frozen.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Weights over every layer. */
    public long totalParameters() {
        return overlays.values().stream().mapToLong(INDArray::length).sum();
    }

    /** z = (y &lt; +inf) ? y : z in place: y's finite entries are copied into {@code target}, NaN ones skipped. */
    private static void select(INDArray target, INDArray overlay) {
        if (!Arrays.equals(target.shape(), overlay.shape())) {
            throw new IllegalArgumentException("expected shape " + Arrays.toString(overlay.shape()) + ", got "
                    + Arrays.toString(target.shape()));
        }
        Nd4j.getExecutioner().exec(new CompareAndSet(target, overlay, target,
                Conditions.lessThan(Double.POSITIVE_INFINITY)));
    }

    /** The overlay in {@code dataType}, or its gradient form (+0 where frozen), built once per executor. */
    private INDArray cached(String layer, DataType dataType, boolean gradient) {
        INDArray o = overlay(layer);
        if (!gradient && o.dataType() == dataType) {
            return o;
        }
        Map<String, INDArray> c = cache;
        if (c == null) {
            c = new ConcurrentHashMap<>();
            cache = c;
        }
        String key = layer + (gradient ? "/gradient/" : "/weights/") + dataType;
        INDArray hit = c.get(key);
        if (hit == null) {
            try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                // Frozen: v * 0 is +-0, + 0.0 makes it +0; free: NaN stays NaN.
                hit = gradient ? o.mul(0.0).addi(0.0).castTo(dataType) : o.castTo(dataType);
            }
            c.put(key, hit);
        }
        return hit;
    }

    private INDArray overlay(String layer) {
        INDArray o = overlays.get(layer);
        if (o == null) {
            throw new IllegalArgumentException("layer " + layer + " has no frozen weights; frozen: "
                    + overlays.keySet());
        }
        return o;
    }
}
