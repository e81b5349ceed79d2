package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import ai.synergy.quantization.ClusteredLayer;
import ai.synergy.quantization.FrozenWeights;
import ai.synergy.quantization.InqCodebook;
import ai.synergy.quantization.LayerStages;
import ai.synergy.quantization.Partition;
import ai.synergy.quantization.PortionSchedule;
import ai.synergy.quantization.SlqLayer;
import ai.synergy.quantization.TernaryLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Driver side: the state of a quantization run between rounds, and each round's partition and quantization of the
 * averaged weights (ALGORITHMS.md sections 3 and 4). Java-serialized into every round's checkpoint, so a resumed
 * run continues with the same codebooks, clusters and frozen sets.
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
public final class QuantizationRounds implements Serializable {
    private static final long serialVersionUID = 1L;

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

    private QuantizationRounds(QuantizeConfig config, List<String> layers, LayerStages stages) {
        this.method = config.method();
        this.portions = config.portions();
        this.randomPartition = config.randomPartition();
        this.seed = config.seed();
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
        QuantizationRounds rounds = new QuantizationRounds(config, layers, stages);
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
