package ai.synergy.quantization;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * MLQ's cluster partition across layers (Xu et al., arXiv:1803.03289, "Multiple-Level Quantization"; docs/methods.md
 * section 4: "clusters are ranked across all layers together by loss"): every not-yet-quantized cluster of every
 * layer, ordered by a caller-supplied score (the loss effect of quantizing it; {@link ClusteredLayer#squaredErrors} is
 * the default), lowest first.
 */
public final class ClusterRanking {
    private ClusterRanking() {
    }

    /**
     * Every not-yet-quantized cluster of {@code layers}, ascending by score; ties to the lower layer name, then the
     * lower cluster index.
     *
     * @param scores one finite score per cluster of each layer, by layer name (quantized clusters' are ignored)
     */
    public static List<ClusterRef> rank(Map<String, ? extends ClusteredLayer> layers, Map<String, double[]> scores) {
        List<Scored> open = new ArrayList<>();
        for (Map.Entry<String, ? extends ClusteredLayer> e : new TreeMap<>(layers).entrySet()) {
            ClusteredLayer layer = e.getValue();
            double[] s = scores.get(e.getKey());
            if (s == null || s.length != layer.clusterCount()) {
                throw new IllegalArgumentException("layer " + e.getKey() + ": expected " + layer.clusterCount()
                        + " cluster scores, got " + (s == null ? "none" : s.length));
            }
            for (int c = 0; c < s.length; c++) {
                if (layer.isQuantized(c)) {
                    continue;
                }
                if (!Double.isFinite(s[c])) {
                    throw new IllegalArgumentException("layer " + e.getKey() + ": score of cluster " + c
                            + " must be finite, got " + s[c]);
                }
                open.add(new Scored(new ClusterRef(e.getKey(), c), s[c]));
            }
        }
        // open is in (layer, cluster) order; the stable sort keeps that order among equal scores.
        open.sort(Comparator.comparingDouble(Scored::score));
        List<ClusterRef> ranked = new ArrayList<>(open.size());
        for (Scored s : open) {
            ranked.add(s.ref());
        }
        return ranked;
    }

    /** The first {@code count} of {@link #rank} (fewer when fewer are left). */
    public static List<ClusterRef> cheapest(Map<String, ? extends ClusteredLayer> layers, Map<String, double[]> scores,
                                            int count) {
        if (count < 0) {
            throw new IllegalArgumentException("cluster count must be >= 0, got " + count);
        }
        List<ClusterRef> ranked = rank(layers, scores);
        return List.copyOf(ranked.subList(0, Math.min(count, ranked.size())));
    }

    /**
     * Quantizes the given clusters, layer by layer ({@link ClusteredLayer#quantize}, in place on {@code weights}).
     *
     * @return the number of weights newly frozen
     */
    public static long quantize(Map<String, ? extends ClusteredLayer> layers, Map<String, INDArray> weights,
                                Collection<ClusterRef> clusters) {
        Map<String, List<Integer>> byLayer = new TreeMap<>();
        for (ClusterRef ref : clusters) {
            if (!layers.containsKey(ref.layer())) {
                throw new IllegalArgumentException("no clustered layer " + ref.layer() + "; clustered: "
                        + new TreeMap<>(layers).keySet());
            }
            byLayer.computeIfAbsent(ref.layer(), k -> new ArrayList<>()).add(ref.cluster());
        }
        long added = 0;
        for (Map.Entry<String, List<Integer>> e : byLayer.entrySet()) {
            INDArray w = weights.get(e.getKey());
            if (w == null) {
                throw new IllegalArgumentException("no weight given for clustered layer " + e.getKey());
            }
            added += layers.get(e.getKey()).quantize(w, e.getValue().stream().mapToInt(Integer::intValue).toArray());
        }
        return added;
    }

    /** A cluster and its score. */
    private record Scored(ClusterRef ref, double score) {
    }
}
