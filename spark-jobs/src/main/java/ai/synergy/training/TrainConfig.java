package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.config.InvalidInputException;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;

/**
 * The resolved configuration of a {@code train} run; saved beside every checkpoint and model (provenance).
 *
 * @param data               the data set
 * @param model              the network (the inference architecture; what {@code model.zip} holds)
 * @param supervision        how its heads are trained: plain, deep supervision or DKS
 * @param adversarial        adversarial training (PGD on the executors), or natural training
 * @param pruning            weight pruning stages (ADMM, then hard pruning and masked retraining) after the dense
 *                           epochs, or none
 * @param optimizer          SGD settings
 * @param schedule           learning rate over the run, evaluated on the driver before each averaging round
 * @param epochs             passes over the training data before any pruning stage (the dense stage; may be 0
 *                           when pruning a given {@code initModel})
 * @param workers            data-parallel workers (= shards = Spark partitions)
 * @param batchSizePerWorker examples per minibatch on each worker (the global batch is workers x this)
 * @param averagingFrequency minibatches each worker fits between parameter averages. Too low costs network traffic
 *                           and scheduling per step; too high lets the workers drift apart and hurts accuracy. 5 is
 *                           dl4j-spark's default and measured level with one JVM here.
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of weight initialisation and of every shuffle
 * @param keepCheckpoints    how many epoch checkpoints to keep (older ones are deleted)
 * @param initModel          URI of a {@code model.zip} whose parameters the run starts from (same architecture),
 *                           e.g. a dense model to prune; null to start from the seed's initialisation
 */
public record TrainConfig(DataSpec data, ModelSpec model, SupervisionConfig supervision,
                          AdversarialTraining adversarial, PruningConfig pruning, OptimizerSpec optimizer,
                          LearningRateSchedule schedule, int epochs, int workers, int batchSizePerWorker,
                          int averagingFrequency, int evalBatchSize, long seed, int keepCheckpoints, String initModel) {

    public TrainConfig {
        if (pruning == null) {
            pruning = PruningConfig.none();
        }
        if (pruning.enabled()) {
            if (epochs < 0) {
                throw new InvalidInputException("--epochs must be >= 0 when pruning, got " + epochs);
            }
            if (supervision.headCount() > 1) {
                throw new InvalidInputException("--prune cannot be combined with --supervision "
                        + supervision.mode().name().toLowerCase(java.util.Locale.ROOT)
                        + " yet: the auxiliary heads would be pruned too; prune the exported model instead "
                        + "(--init-model)");
            }
        } else {
            positive("--epochs", epochs);
        }
        positive("--workers", workers);
        positive("--batch-size", batchSizePerWorker);
        positive("--averaging-frequency", averagingFrequency);
        positive("--eval-batch-size", evalBatchSize);
        positive("--keep-checkpoints", keepCheckpoints);
    }

    /** Every epoch of the run: dense, then ADMM, then masked retraining. */
    public int totalEpochs() {
        return epochs + pruning.admmEpochs() + pruning.retrainEpochs();
    }

    /** The stage of a 0-based epoch of the run. */
    public TrainingStage stageOf(int epoch) {
        if (epoch < epochs) {
            return TrainingStage.DENSE;
        }
        return epoch < epochs + pruning.admmEpochs() ? TrainingStage.ADMM : TrainingStage.RETRAIN;
    }

    /** The first 0-based epoch of a stage. */
    public int stageStart(TrainingStage stage) {
        return switch (stage) {
            case DENSE -> 0;
            case ADMM -> epochs;
            case RETRAIN -> epochs + pruning.admmEpochs();
        };
    }

    /** Epochs in a stage. */
    public int stageLength(TrainingStage stage) {
        return switch (stage) {
            case DENSE -> epochs;
            case ADMM -> pruning.admmEpochs();
            case RETRAIN -> pruning.retrainEpochs();
        };
    }

    private static void positive(String flag, int value) {
        if (value < 1) {
            throw new InvalidInputException(flag + " must be >= 1, got " + value);
        }
    }
}
