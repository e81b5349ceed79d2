package ai.synergy.training;

import ai.synergy.config.InvalidSettingException;

import ai.synergy.checkpoint.StateFile;
import ai.synergy.config.InvalidInputException;
import ai.synergy.quantization.ClusteredLayer;
import ai.synergy.quantization.FrozenWeights;
import ai.synergy.quantization.InqCodebook;
import ai.synergy.quantization.LayerStages;
import ai.synergy.quantization.Partition;
import ai.synergy.quantization.PortionSchedule;
import ai.synergy.quantization.SlqLayer;
import ai.synergy.quantization.TernaryLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Driver side: the state of a quantization run between rounds, and each round's partition and quantization of the
 * averaged weights (docs/methods.md sections 3 and 4). Saved into every round's checkpoint as a {@link StateFile}
 * ({@link #toBytes}), so a resumed run continues with the same codebooks, clusters and frozen sets.
 *
 * <ul>
 *   <li>INQ: each layer's power-of-two codebook from its full-precision weights (once); round r freezes the
 *       accumulated portion p_r of the weights, largest |w| first (or at random), at their codebook values.</li>
 *   <li>SLQ: each layer k-means clustered into 2^(b-1)+1 clusters (c0 = 0 fixed); round r re-clusters the free
 *       weights and quantizes the clusters of lowest loss effect ({@link LossEffectScores}) until a portion p_r of
 *       the clusters is quantized.</li>
 *   <li>MLQ: the layers split into stages in network order; stage r makes its layers ternary ({-a, 0, a}, threshold
 *       from the layer's weights at that point) and freezes them while the later layers retrain.</li>
 * </ul>
 * Weights that are exactly 0 when the run starts (a pruned model) stay 0 and frozen; portions count the others.
 */
public final class QuantizationRounds {
    /** What the state file says it holds. */
    static final String KIND = "quantization-rounds";
    private static final String PRUNED = "pruned/";
    private static final String FROZEN = "frozen/";
    private static final String ASSIGNMENT = "clusters.assignment/";
    private static final String CLUSTER_FROZEN = "clusters.frozen/";
    private static final String CLUSTER_PRUNED = "clusters.pruned/";

    private final QuantizationMethod method;
    private final PortionSchedule portions;
    private final boolean randomPartition;
    private final long seed;
    private final List<String> layers;
    private final Map<String, INDArray> pruned = new TreeMap<>();
    private final Map<String, InqCodebook> inqCodebooks = new TreeMap<>();
    private final Map<String, ClusteredLayer> clustered = new TreeMap<>();
    private final Map<String, INDArray> frozen = new TreeMap<>();
    private final LayerStages stages;

    private QuantizationRounds(QuantizationMethod method, PortionSchedule portions, boolean randomPartition, long seed,
                               List<String> layers, LayerStages stages) {
        this.method = method;
        this.portions = portions;
        this.randomPartition = randomPartition;
        this.seed = seed;
        this.layers = List.copyOf(layers);
        this.stages = stages;
    }

    /**
     * The state before round 0, from the full-precision weights of the quantized layers (in network order).
     *
     * @throws InvalidInputException when {@code --skip-layers} names a layer that is not quantizable
     */
    public static QuantizationRounds start(QuantizeConfig config, Map<String, INDArray> allWeights,
                                           List<String> networkOrder) {
        for (String skip : config.skipLayers()) {
            if (!allWeights.containsKey(skip)) {
                throw new InvalidInputException("--skip-layers: '" + skip + "' is not a conv or dense layer; layers: "
                        + networkOrder);
            }
        }
        List<String> layers = new ArrayList<>();
        for (String layer : networkOrder) {
            if (allWeights.containsKey(layer) && !config.skipLayers().contains(layer)) {
                layers.add(layer);
            }
        }
        if (layers.isEmpty()) {
            throw new InvalidInputException("--skip-layers leaves no layer to quantize");
        }
        LayerStages stages = config.method() == QuantizationMethod.MLQ
                ? LayerStages.split(layers, Math.min(config.mlqStages(), layers.size())) : null;
        QuantizationRounds rounds = new QuantizationRounds(config.method(), config.portions(),
                config.randomPartition(), config.seed(), layers, stages);
        for (String layer : layers) {
            INDArray w = allWeights.get(layer);
            INDArray zeros = w.eq(0).castTo(w.dataType());
            INDArray prunedMask = zeros.sumNumber().longValue() > 0 ? zeros : null;
            if (prunedMask != null) {
                rounds.pruned.put(layer, prunedMask);
            }
            switch (config.method()) {
                case INQ -> rounds.inqCodebooks.put(layer, InqCodebook.of(w, config.bits()));
                case SLQ -> rounds.clustered.put(layer, SlqLayer.cluster(w, config.bits(), prunedMask));
                case MLQ -> {
                    // ternary layers are made when their stage comes, from the weights retrained until then
                }
            }
            rounds.frozen.put(layer, prunedMask == null ? w.ulike().assign(0) : prunedMask.dup());
        }
        return rounds;
    }

    /** Rounds of the run. */
    public int rounds() {
        return stages != null ? stages.count() : portions.rounds();
    }

    /** The quantized layers, in network order. */
    public List<String> layers() {
        return layers;
    }

    /**
     * Round {@code round} on the driver: partitions the still-free weights, sets the chosen ones to their codebook
     * value in {@code weights} (the averaged network's live views) and returns every frozen weight so far.
     * {@code lossEffect} ranks SLQ's clusters (scored against the same network); the other methods ignore it.
     */
    public FrozenWeights quantizeRound(int round, Map<String, INDArray> weights, LossEffectScores lossEffect) {
        switch (method) {
            case INQ -> inqRound(round, weights);
            case SLQ -> slqRound(round, weights, lossEffect);
            case MLQ -> mlqRound(round, weights);
        }
        return frozenWeights(weights);
    }

    /** The frozen set as it stands, to re-impose (e.g. after a resume). */
    public FrozenWeights frozenWeights(Map<String, INDArray> weights) {
        Map<String, INDArray> own = new TreeMap<>();
        for (String layer : layers) {
            own.put(layer, weights.get(layer));
        }
        return FrozenWeights.capture(own, frozen);
    }

    /** Fraction of the quantized layers' weights frozen (pruned zeros included). */
    public double frozenFraction() {
        long frozenCount = 0;
        long total = 0;
        for (INDArray m : frozen.values()) {
            frozenCount += m.sumNumber().longValue();
            total += m.length();
        }
        return (double) frozenCount / total;
    }

    /** The codebook values of an INQ layer (null for the other methods, whose codebooks come from clustering). */
    public double[] inqCodebook(String layer) {
        InqCodebook codebook = inqCodebooks.get(layer);
        return codebook == null ? null : codebook.values();
    }

    /**
     * The state file of this state: method, schedule, layers, codebooks and cluster centroids as JSON; the pruned and
     * frozen masks and each clustered layer's assignment, frozen and pruned flags as arrays named by kind and layer
     * ("frozen/LAYER", "clusters.assignment/LAYER", ...).
     */
    public byte[] toBytes() {
        Map<String, INDArray> arrays = new TreeMap<>();
        pruned.forEach((layer, mask) -> arrays.put(PRUNED + layer, mask));
        frozen.forEach((layer, mask) -> arrays.put(FROZEN + layer, mask));
        Map<String, InqDocument> inq = new TreeMap<>();
        inqCodebooks.forEach((layer, c) -> inq.put(layer, new InqDocument(c.bits(), c.maxAbs())));
        Map<String, ClusterDocument> clusters = new TreeMap<>();
        clustered.forEach((layer, c) -> {
            ClusteredLayer.State state = c.state();
            Double threshold = c instanceof TernaryLayer t ? t.threshold() : null;
            clusters.put(layer, new ClusterDocument(state.dataType(), state.centroids(), state.quantized(),
                    threshold));
            arrays.put(ASSIGNMENT + layer, Nd4j.createFromArray(state.assignment()).reshape('c', state.shape()));
            arrays.put(CLUSTER_FROZEN + layer, Nd4j.createFromArray(state.frozen()).reshape('c', state.shape()));
            arrays.put(CLUSTER_PRUNED + layer, Nd4j.createFromArray(state.pruned()).reshape('c', state.shape()));
        });
        Document document = new Document(method, portions.portions(), randomPartition, seed, layers,
                stages == null ? null : stages.stages(), List.copyOf(pruned.keySet()), inq, clusters);
        return StateFile.write(KIND, document, arrays);
    }

    /**
     * The state {@link #toBytes} wrote.
     *
     * @param source names the file in errors
     * @throws InvalidInputException "--resume: SOURCE is unreadable (why)" when the bytes are not such a file or hold
     *                               a state no run could have reached (wrong layers for the method, shapes or data
     *                               types that disagree, masks that are not 0/1, ...)
     */
    public static QuantizationRounds fromBytes(byte[] bytes, String source) {
        StateFile.Contents<Document> in = StateFile.read(bytes, KIND, Document.class, source);
        try {
            QuantizationRounds rounds = restore(in.document(), in);
            in.requireAllTaken();
            return rounds;
        } catch (IllegalArgumentException | InvalidSettingException e) {
            throw in.unreadable(e.getMessage(), e);
        }
    }

    private static QuantizationRounds restore(Document d, StateFile.Contents<Document> in) {
        List<String> layers = names(d.layers(), "layers");
        check(!layers.isEmpty(), "no quantized layer");
        PortionSchedule portions = new PortionSchedule(d.portions());
        LayerStages stages = null;
        if (d.method() == QuantizationMethod.MLQ) {
            check(d.stages() != null, "MLQ without layer stages");
            stages = new LayerStages(d.stages());
            check(stages.quantizedThrough(stages.count() - 1).equals(layers), "MLQ stages " + stages.stages()
                    + " are not the layers " + layers + " in order");
        } else {
            check(d.stages() == null, d.method() + " with layer stages");
        }
        check(!d.randomPartition() || d.method() == QuantizationMethod.INQ, "random partition with " + d.method());
        QuantizationRounds rounds = new QuantizationRounds(d.method(), portions, d.randomPartition(), d.seed(), layers,
                stages);
        for (String layer : layers) {
            rounds.frozen.put(layer, mask(in.array(FROZEN + layer), "frozen mask of layer " + layer));
        }
        for (String layer : names(d.prunedLayers(), "pruned layers")) {
            check(layers.contains(layer), "pruned layer " + layer + " is not quantized");
            INDArray mask = mask(in.array(PRUNED + layer), "pruned mask of layer " + layer);
            checkLike(mask, rounds.frozen.get(layer), "pruned mask of layer " + layer);
            rounds.pruned.put(layer, mask);
        }
        check(d.method() == QuantizationMethod.INQ ? d.inqCodebooks().keySet().equals(Set.copyOf(layers))
                : d.inqCodebooks().isEmpty(), "INQ codebooks " + d.inqCodebooks().keySet() + " for " + d.method()
                + " over " + layers);
        d.inqCodebooks().forEach((layer, c) -> rounds.inqCodebooks.put(layer, new InqCodebook(c.bits(), c.maxAbs())));
        Set<String> clusteredLayers = d.clustered().keySet();
        check(switch (d.method()) {
            case INQ -> clusteredLayers.isEmpty();
            case SLQ -> clusteredLayers.equals(Set.copyOf(layers));
            case MLQ -> layers.containsAll(clusteredLayers);
        }, "clustered layers " + clusteredLayers + " for " + d.method() + " over " + layers);
        d.clustered().forEach((layer, c) -> {
            INDArray assignment = in.array(ASSIGNMENT + layer);
            INDArray clusterFrozen = in.array(CLUSTER_FROZEN + layer);
            INDArray clusterPruned = in.array(CLUSTER_PRUNED + layer);
            long[] shape = rounds.frozen.get(layer).shape();
            check(assignment.dataType() == DataType.INT32 && Arrays.equals(assignment.shape(), shape),
                    "cluster assignment of layer " + layer + " must be INT32 of shape " + Arrays.toString(shape));
            check(c.dataType() == rounds.frozen.get(layer).dataType(), "layer " + layer + " is "
                    + rounds.frozen.get(layer).dataType() + " but its clusters say " + c.dataType());
            ClusteredLayer.State state = new ClusteredLayer.State(c.centroids(), c.quantized(),
                    assignment.data().asInt(), flags(clusterFrozen, shape, "cluster frozen flags of layer " + layer),
                    flags(clusterPruned, shape, "cluster pruned flags of layer " + layer), shape, c.dataType());
            if (d.method() == QuantizationMethod.MLQ) {
                check(c.threshold() != null, "ternary layer " + layer + " without a threshold");
                rounds.clustered.put(layer, TernaryLayer.restore(state, c.threshold()));
            } else {
                check(c.threshold() == null, "SLQ layer " + layer + " with a threshold");
                rounds.clustered.put(layer, SlqLayer.restore(state));
            }
        });
        return rounds;
    }

    /** A non-null list of distinct non-null names. */
    private static List<String> names(List<String> names, String what) {
        check(names != null && names.stream().noneMatch(Objects::isNull) && Set.copyOf(names).size() == names.size(),
                what + " must be distinct names");
        return names;
    }

    /** {@code mask} after checking that it is floating point and holds only 0 and 1. */
    private static INDArray mask(INDArray mask, String what) {
        check(mask.dataType().isFPType(), what + " is " + mask.dataType() + ", not floating point");
        for (double v : mask.castTo(DataType.DOUBLE).data().asDouble()) {
            check(v == 0 || v == 1, what + " holds " + v + ", not only 0 and 1");
        }
        return mask;
    }

    private static void checkLike(INDArray a, INDArray like, String what) {
        check(a.dataType() == like.dataType() && Arrays.equals(a.shape(), like.shape()), what + " is " + a.dataType()
                + Arrays.toString(a.shape()) + ", the frozen mask " + like.dataType() + Arrays.toString(like.shape()));
    }

    /** A BOOL array of {@code shape} as flags in C order. */
    private static boolean[] flags(INDArray a, long[] shape, String what) {
        check(a.dataType() == DataType.BOOL && Arrays.equals(a.shape(), shape), what + " must be BOOL of shape "
                + Arrays.toString(shape));
        int[] values = a.castTo(DataType.INT32).data().asInt();
        boolean[] out = new boolean[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] != 0;
        }
        return out;
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * The JSON document of the state file.
     *
     * @param stages       MLQ's layer stages, null for the other methods
     * @param prunedLayers the layers with a pruned mask
     * @param inqCodebooks INQ's codebook per layer (empty for the other methods)
     * @param clustered    SLQ's or MLQ's clustered layers (empty for INQ; MLQ's so far)
     */
    private record Document(QuantizationMethod method, List<Double> portions, boolean randomPartition, long seed,
                            List<String> layers, List<List<String>> stages, List<String> prunedLayers,
                            Map<String, InqDocument> inqCodebooks, Map<String, ClusterDocument> clustered) {
        Document {
            if (method == null || inqCodebooks == null || clustered == null
                    || inqCodebooks.values().stream().anyMatch(Objects::isNull)
                    || clustered.values().stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("method, codebooks and clustered layers must be set");
            }
        }
    }

    /** An {@link InqCodebook}. */
    private record InqDocument(int bits, double maxAbs) {
    }

    /**
     * A clustered layer's scalars; its per-weight arrays are in the file's arrays.
     *
     * @param threshold MLQ's ternary delta; null for SLQ
     */
    private record ClusterDocument(DataType dataType, double[] centroids, boolean[] quantized, Double threshold) {
    }

    private void inqRound(int round, Map<String, INDArray> weights) {
        double portion = portions.portion(round);
        for (String layer : layers) {
            INDArray w = weights.get(layer);
            INDArray mask = randomPartition
                    ? Partition.random(w, frozen.get(layer), pruned.get(layer), portion,
                    seed * 1_000_003L + round * 1_009L + layer.hashCode())
                    : Partition.magnitude(w, frozen.get(layer), pruned.get(layer), portion);
            inqCodebooks.get(layer).quantizeWhere(w, mask);
            frozen.put(layer, mask);
        }
    }

    private void slqRound(int round, Map<String, INDArray> weights, LossEffectScores lossEffect) {
        double portion = portions.portion(round);
        for (String layer : layers) {
            INDArray w = weights.get(layer);
            ClusteredLayer clusters = clustered.get(layer);
            if (round > 0) {
                clusters.reassign(w);
            }
            int target = (int) Math.round(portion * clusters.clusterCount());
            int count = Math.max(0, target - clusters.quantizedCount());
            if (count > 0) {
                clusters.quantize(w, clusters.select(lossEffect.scores(clusters, w), count));
            }
            frozen.put(layer, clusters.frozenMask());
        }
    }

    private void mlqRound(int round, Map<String, INDArray> weights) {
        for (String layer : stages.layersAt(round)) {
            INDArray w = weights.get(layer);
            TernaryLayer ternary = TernaryLayer.of(w, pruned.get(layer));
            int[] all = new int[ternary.clusterCount()];
            for (int c = 0; c < all.length; c++) {
                all[c] = c;
            }
            ternary.quantize(w, all);
            clustered.put(layer, ternary);
            frozen.put(layer, ternary.frozenMask());
        }
    }
}
