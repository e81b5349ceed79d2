package ai.synergy.checkpoint;

import ai.synergy.metrics.EpochMetrics;
import ai.synergy.training.TrainConfig;

import java.util.List;

/**
 * Provenance saved beside every checkpoint and final model: what produced it and how far it got.
 *
 * @param epochsCompleted  epochs finished when the checkpoint was written
 * @param config           the resolved run configuration (seed included)
 * @param dataFingerprint  identity of the training and test data (SHA-256 prefixes)
 * @param gitRevision      source revision of the code that trained it ("unknown" outside a git checkout)
 * @param createdAt        ISO-8601 time of writing
 * @param metrics          every epoch's metrics so far
 * @param settingChanges   settings changed when the run was resumed ({@code --allow-changed-settings}), one line each
 *                         naming the epoch, the setting and both values; empty when none was
 */
public record CheckpointState(int epochsCompleted, TrainConfig config, String dataFingerprint, String gitRevision,
                              String createdAt, List<EpochMetrics> metrics, List<String> settingChanges) {
    public CheckpointState {
        metrics = List.copyOf(metrics);
        settingChanges = settingChanges == null ? List.of() : List.copyOf(settingChanges);
    }
}
