package ai.synergy.training;

import ai.synergy.checkpoint.CheckpointStore;
import ai.synergy.io.HadoopFiles;
import ai.synergy.metrics.EpochMetrics;
import org.apache.hadoop.fs.Path;

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
    /** The epoch checkpoints ({@code epoch-NNNN}) of the training run in {@code outputDir}. */
    public static CheckpointStore<CheckpointState> checkpoints(HadoopFiles files, Path outputDir) {
        return new CheckpointStore<>(files, outputDir, "epoch", CheckpointState.class);
    }

    public CheckpointState {
        metrics = List.copyOf(metrics);
        settingChanges = settingChanges == null ? List.of() : List.copyOf(settingChanges);
    }
}
