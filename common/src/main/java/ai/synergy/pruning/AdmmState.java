package ai.synergy.pruning;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ADMM auxiliary and dual variables of every pruned layer, Z_l, U_l and rho_l (docs/methods.md section 2,
 * "ADMM pruning"; Zhang et al., ECCV 2018, as used by Ye et al., arXiv:1903.12561). The driver owns it and
 * {@link #update}s it every {@code admmInterval} epochs; executors receive a serialized copy and add
 * {@link #proximalGradient} to each pruned layer's weight gradient every minibatch.
 */
public final class AdmmState implements WeightConstraint, Serializable {
    private static final long serialVersionUID = 1L;

    private final double rhoGrowth;
    private final Map<String, Layer> layers;

    /** One layer's variables; Z and U have the weight's shape and data type. */
    private static final class Layer implements Serializable {
        private static final long serialVersionUID = 1L;
        private final LayerPruning pruning;
        private INDArray z;
        private INDArray u;
        private double rho;
        /** rho (U - Z) in the weights' data type, built on first use after each update (executors). */
        private transient INDArray offset;

        private Layer(LayerPruning pruning, INDArray z, INDArray u, double rho) {
            this.pruning = pruning;
            this.z = z;
            this.u = u;
            this.rho = rho;
        }
    }

    private AdmmState(double rhoGrowth, Map<String, Layer> layers) {
        this.rhoGrowth = rhoGrowth;
        this.layers = layers;
    }

    /**
     * One layer's variables as a checkpoint keeps them ({@link #variables}, {@link #restore}).
     *
     * @param pruning the layer's sparsity set and kind
     * @param z       Z, the weight's shape, a floating-point data type
     * @param u       U, Z's shape and data type
     * @param rho     current rho, &gt; 0 and finite
     */
    public record LayerVariables(LayerPruning pruning, INDArray z, INDArray u, double rho) {
    }

    /**
     * Initialisation (rule "Init"): for each layer of {@code plan}, Z = Proj_S(W), U = 0, rho = rho0.
     *
     * @param weights weight of every planned layer, by layer name (extra entries are ignored)
     */
    public static AdmmState init(Map<String, INDArray> weights, Map<String, LayerPruning> plan, AdmmConfig config) {
        Map<String, Layer> layers = new TreeMap<>();
        for (Map.Entry<String, LayerPruning> e : plan.entrySet()) {
            INDArray w = weight(weights, e.getKey(), null);
            layers.put(e.getKey(), new Layer(e.getValue(), e.getValue().project(w), w.ulike().assign(0),
                    config.initialRho()));
        }
        return new AdmmState(config.rhoGrowth(), layers);
    }

    /**
     * One ADMM update (rule "Every admmInterval epochs"), in this order for every layer:
     * rho &lt;- growth * rho; Z &lt;- Proj_S(W + U); U &lt;- U + W - Z.
     *
     * @param averagedWeights the driver's current (averaged) weights, by layer name
     */
    public void update(Map<String, INDArray> averagedWeights) {
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            Layer l = e.getValue();
            INDArray w = weight(averagedWeights, e.getKey(), l).castTo(l.u.dataType());
            l.rho *= rhoGrowth;
            l.z = l.pruning.project(w.add(l.u));
            l.u = l.u.add(w).subi(l.z);
            l.offset = null;
        }
    }

    /**
     * Gradient of the layer's ADMM term rho/2 ||W - Z + U||^2 with respect to W: rho (W - Z + U), a new array in
     * {@code w}'s data type, to be added to the layer's weight gradient every minibatch (rule "W-step").
     */
    public INDArray proximalGradient(String layer, INDArray w) {
        Layer l = layer(layer);
        checkShape(layer, w, l);
        return w.sub(l.z.castTo(w.dataType())).addi(l.u.castTo(w.dataType())).muli(l.rho);
    }

    /**
     * Adds {@code scale} times the gradient of the layer's ADMM term, rho (W - Z + U), to {@code gradient} in place,
     * without allocating after the first call (the executor's hot path: once per pruned layer per minibatch).
     * {@code w} and {@code gradient} must have the layer's shape and one data type.
     */
    public void addProximalGradient(String layer, INDArray w, INDArray gradient, double scale) {
        Layer l = layer(layer);
        checkShape(layer, w, l);
        checkShape(layer, gradient, l);
        INDArray offset = l.offset;
        if (offset == null || offset.dataType() != w.dataType()) {
            try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                offset = l.u.sub(l.z).muli(l.rho).castTo(w.dataType());
            }
            l.offset = offset;
        }
        Nd4j.getExecutioner().exec(new Axpy(w, gradient, gradient, scale * l.rho));
        Nd4j.getExecutioner().exec(new Axpy(offset, gradient, gradient, scale));
    }

    /** The W-step (rule "W-step"): adds rho (W - Z + U) to every pruned layer's gradient. */
    @Override
    public void adjustGradients(Map<String, INDArray> weights, Map<String, INDArray> gradients, long minibatchSize) {
        for (String layer : layers.keySet()) {
            addProximalGradient(layer, weight(weights, layer, null), weight(gradients, layer, null), minibatchSize);
        }
    }

    /** ADMM leaves the weights free between updates. */
    @Override
    public void adjustWeights(Map<String, INDArray> weights) {
    }

    /** The ADMM term sum_l rho_l/2 ||W_l - Z_l + U_l||^2 over every pruned layer, for logging. */
    public double penalty(Map<String, INDArray> weights) {
        double sum = 0;
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            Layer l = e.getValue();
            INDArray w = weight(weights, e.getKey(), l).castTo(l.z.dataType());
            double norm = w.sub(l.z).addi(l.u).norm2Number().doubleValue();
            sum += l.rho / 2 * norm * norm;
        }
        return sum;
    }

    /** Primal residual ||W - Z|| (Frobenius) of one layer: how far W still is from its sparse set. */
    public double primalResidual(String layer, INDArray w) {
        Layer l = layer(layer);
        checkShape(layer, w, l);
        return w.castTo(l.z.dataType()).sub(l.z).norm2Number().doubleValue();
    }

    /** {@link #primalResidual} of every pruned layer, by name. */
    public Map<String, Double> primalResiduals(Map<String, INDArray> weights) {
        Map<String, Double> out = new TreeMap<>();
        for (String layer : layers.keySet()) {
            out.put(layer, primalResidual(layer, weight(weights, layer, null)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Hard pruning from this state's plan: W &lt;- Proj_S(W) in place, masks = nonzero pattern. */
    public Masks hardPrune(Map<String, INDArray> weights) {
        return Masks.hardPrune(weights, plan());
    }

    /** The pruned layers, sorted by name. */
    @Override
    public Set<String> layers() {
        return Collections.unmodifiableSet(layers.keySet());
    }

    /** Each pruned layer's scheme, ratio and kind. */
    public Map<String, LayerPruning> plan() {
        Map<String, LayerPruning> plan = new TreeMap<>();
        layers.forEach((name, l) -> plan.put(name, l.pruning));
        return Collections.unmodifiableMap(plan);
    }

    /** The factor applied to every layer's rho at each {@link #update}. */
    public double rhoGrowth() {
        return rhoGrowth;
    }

    /** Every pruned layer's variables, by name, Z and U copied (what a checkpoint saves). */
    public Map<String, LayerVariables> variables() {
        Map<String, LayerVariables> out = new TreeMap<>();
        layers.forEach((name, l) -> out.put(name, new LayerVariables(l.pruning, l.z.dup(), l.u.dup(), l.rho)));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The state {@link #variables} and {@link #rhoGrowth} describe (checkpoint restore); Z and U are copied.
     *
     * @throws IllegalArgumentException when a value is out of range, or Z and U of a layer differ in shape or data
     *                                  type, are not floating point or do not have the rank of the layer's kind
     */
    public static AdmmState restore(double rhoGrowth, Map<String, LayerVariables> variables) {
        if (!(rhoGrowth >= 1 && Double.isFinite(rhoGrowth))) {
            throw new IllegalArgumentException("rho growth must be >= 1 and finite, got " + rhoGrowth);
        }
        Map<String, Layer> layers = new TreeMap<>();
        for (Map.Entry<String, LayerVariables> e : variables.entrySet()) {
            String layer = e.getKey();
            LayerVariables v = e.getValue();
            if (v == null || v.pruning() == null || v.z() == null || v.u() == null) {
                throw new IllegalArgumentException("layer " + layer + ": pruning, Z and U must be set");
            }
            if (!(v.rho() > 0 && Double.isFinite(v.rho()))) {
                throw new IllegalArgumentException("layer " + layer + ": rho must be > 0 and finite, got " + v.rho());
            }
            if (!v.z().dataType().isFPType() || v.z().dataType() != v.u().dataType()
                    || !Arrays.equals(v.z().shape(), v.u().shape())) {
                throw new IllegalArgumentException("layer " + layer + ": Z (" + v.z().dataType()
                        + Arrays.toString(v.z().shape()) + ") and U (" + v.u().dataType()
                        + Arrays.toString(v.u().shape()) + ") must have one floating-point data type and shape");
            }
            v.pruning().kind().check(v.z());
            layers.put(layer, new Layer(v.pruning(), v.z().dup(), v.u().dup(), v.rho()));
        }
        return new AdmmState(rhoGrowth, layers);
    }

    /** Current rho of a layer. */
    public double rho(String layer) {
        return layer(layer).rho;
    }

    /** A copy of Z of a layer. */
    public INDArray z(String layer) {
        return layer(layer).z.dup();
    }

    /** A copy of U of a layer. */
    public INDArray u(String layer) {
        return layer(layer).u.dup();
    }

    /** Replaces Z and U of a layer (checkpoint restore and tests); shapes must match. */
    void setVariables(String layer, INDArray z, INDArray u) {
        Layer l = layer(layer);
        checkShape(layer, z, l);
        checkShape(layer, u, l);
        l.z = z.castTo(l.z.dataType()).dup();
        l.u = u.castTo(l.u.dataType()).dup();
        l.offset = null;
    }

    private Layer layer(String layer) {
        Layer l = layers.get(layer);
        if (l == null) {
            throw new IllegalArgumentException("layer " + layer + " is not pruned by ADMM; pruned: " + layers.keySet());
        }
        return l;
    }

    private static INDArray weight(Map<String, INDArray> weights, String layer, Layer l) {
        INDArray w = weights.get(layer);
        if (w == null) {
            throw new IllegalArgumentException("no weight given for pruned layer " + layer);
        }
        if (l != null) {
            checkShape(layer, w, l);
        }
        return w;
    }

    private static void checkShape(String layer, INDArray a, Layer l) {
        if (!Arrays.equals(a.shape(), l.z.shape())) {
            throw new IllegalArgumentException("layer " + layer + ": expected shape " + Arrays.toString(l.z.shape())
                    + ", got " + Arrays.toString(a.shape()));
        }
    }
}
