package ai.synergy.training;

import ai.synergy.metrics.RoundMetrics;

import java.util.List;

/**
 * Provenance saved beside every quantization round's checkpoint and the final quantized model.
 *
 * @param roundsCompleted rounds finished when the checkpoint was written
 * @param config          the resolved run configuration
 * @param dataFingerprint identity of the training and test data
 * @param gitRevision     source revision of the code
 * @param createdAt       ISO-8601 time of writing
 * @param rounds          every round's metrics so far
 */
public record QuantizeState(int roundsCompleted, QuantizeConfig config, String dataFingerprint, String gitRevision,
                            String createdAt, List<RoundMetrics> rounds) {
    public QuantizeState {
        rounds = List.copyOf(rounds);
    }
}
