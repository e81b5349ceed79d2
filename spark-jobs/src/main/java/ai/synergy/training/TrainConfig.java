package ai.synergy.training;

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
 * @param optimizer          SGD settings
 * @param schedule           learning rate over the run, evaluated on the driver before each averaging round
 * @param epochs             passes over the training data
 * @param workers            data-parallel workers (= shards = Spark partitions)
 * @param batchSizePerWorker examples per minibatch on each worker (the global batch is workers x this)
 * @param averagingFrequency minibatches each worker fits between parameter averages. Too low costs network traffic
 *                           and scheduling per step; too high lets the workers drift apart and hurts accuracy. 5 is
 *                           dl4j-spark's default and measured level with one JVM here.
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of weight initialisation and of every shuffle
 * @param keepCheckpoints    how many epoch checkpoints to keep (older ones are deleted)
 */
public record TrainConfig(DataSpec data, ModelSpec model, SupervisionConfig supervision,
                          AdversarialTraining adversarial, OptimizerSpec optimizer, LearningRateSchedule schedule,
                          int epochs, int workers, int batchSizePerWorker, int averagingFrequency, int evalBatchSize,
                          long seed, int keepCheckpoints) {

    public TrainConfig {
        positive("--epochs", epochs);
        positive("--workers", workers);
        positive("--batch-size", batchSizePerWorker);
        positive("--averaging-frequency", averagingFrequency);
        positive("--eval-batch-size", evalBatchSize);
        positive("--keep-checkpoints", keepCheckpoints);
    }

    private static void positive(String flag, int value) {
        if (value < 1) {
            throw new InvalidInputException(flag + " must be >= 1, got " + value);
        }
    }
}
