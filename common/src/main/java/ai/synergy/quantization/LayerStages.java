package ai.synergy.quantization;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * MLQ's depth level, "incremental layer compensation" (Xu et al., arXiv:1803.03289; docs/methods.md section 4): the
 * layers that become ternary at each stage. At stage s the layers of stage s are quantized (cluster by cluster, see
 * {@link ClusterRanking}) and then stay frozen, bit-identical, while the layers of later stages keep full precision
 * and retrain to compensate. Fewer stages train faster; more stages leave more layers to compensate each step.
 *
 * @param stages one non-empty list of layer names per stage, in order; a layer appears at most once (copied)
 */
public record LayerStages(List<List<String>> stages) implements Serializable {

    public LayerStages {
        if (stages == null || stages.isEmpty()) {
            throw new IllegalArgumentException("layer stages must have at least one stage");
        }
        Set<String> seen = new HashSet<>();
        List<List<String>> copy = new ArrayList<>();
        for (int s = 0; s < stages.size(); s++) {
            List<String> stage = stages.get(s);
            if (stage == null || stage.isEmpty()) {
                throw new IllegalArgumentException("stage " + s + " must name at least one layer");
            }
            for (String layer : stage) {
                if (layer == null || layer.isBlank()) {
                    throw new IllegalArgumentException("stage " + s + ": layer name must be non-empty, got '" + layer
                            + "'");
                }
                if (!seen.add(layer)) {
                    throw new IllegalArgumentException("stage " + s + ": layer " + layer + " is already in a stage");
                }
            }
            copy.add(List.copyOf(stage));
        }
        stages = List.copyOf(copy);
    }

    /**
     * {@code layers} in the given order, cut into {@code count} consecutive stages of sizes differing by at most one,
     * the larger ones first (7 layers in 3 stages: 3, 2, 2).
     */
    public static LayerStages split(List<String> layers, int count) {
        Objects.requireNonNull(layers, "layers must be set");
        if (count < 1 || count > layers.size()) {
            throw new IllegalArgumentException("stage count must be in [1, " + layers.size() + "] for "
                    + layers.size() + " layers, got " + count);
        }
        List<List<String>> stages = new ArrayList<>();
        int start = 0;
        for (int s = 0; s < count; s++) {
            int size = layers.size() / count + (s < layers.size() % count ? 1 : 0);
            stages.add(layers.subList(start, start + size));
            start += size;
        }
        return new LayerStages(stages);
    }

    /** The number of stages. */
    public int count() {
        return stages.size();
    }

    /** The layers quantized at stage {@code stage} (0-based). */
    public List<String> layersAt(int stage) {
        checkStage(stage);
        return stages.get(stage);
    }

    /** Every layer quantized at stages 0 to {@code stage}: frozen once that stage ends. */
    public List<String> quantizedThrough(int stage) {
        checkStage(stage);
        List<String> out = new ArrayList<>();
        for (int s = 0; s <= stage; s++) {
            out.addAll(stages.get(s));
        }
        return List.copyOf(out);
    }

    /** Every layer still at full precision during stage {@code stage}: those of later stages. */
    public List<String> freeDuring(int stage) {
        checkStage(stage);
        List<String> out = new ArrayList<>();
        for (int s = stage + 1; s < stages.size(); s++) {
            out.addAll(stages.get(s));
        }
        return List.copyOf(out);
    }

    private void checkStage(int stage) {
        if (stage < 0 || stage >= stages.size()) {
            throw new IllegalArgumentException("stage must be in [0, " + stages.size() + "), got " + stage);
        }
    }
}
