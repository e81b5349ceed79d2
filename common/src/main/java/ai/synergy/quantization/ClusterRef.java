package ai.synergy.quantization;

import java.util.Objects;

/**
 * One cluster of one layer, for ranking clusters across layers (MLQ, docs/methods.md section 4).
 *
 * @param layer   DL4J layer name
 * @param cluster cluster index, >= 0 (0 is the zero cluster)
 */
public record ClusterRef(String layer, int cluster) {
    public ClusterRef {
        Objects.requireNonNull(layer, "layer must be set");
        if (cluster < 0) {
            throw new IllegalArgumentException("cluster must be >= 0, got " + cluster);
        }
    }
}
