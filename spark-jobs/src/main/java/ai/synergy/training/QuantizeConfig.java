package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.config.InvalidInputException;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.quantization.PortionSchedule;

import java.util.List;

/**
 * The resolved configuration of a {@code quantize} run; saved beside every round's checkpoint (provenance).
 *
 * @param data               the data the free weights retrain on and the model is evaluated on
 * @param model              URI of the trained {@code model.zip} to quantize (a {@code train} export or checkpoint)
 * @param method             inq, slq or mlq
 * @param bits               bit-width b: INQ codebook of 2^(b-1) + 1 values, SLQ's 2^(b-1) + 1 clusters; MLQ is
 *                           ternary whatever b
 * @param portions           accumulated portion frozen after each round: of the weights (INQ), of the clusters
 *                           (SLQ); MLQ uses {@code mlqStages} layer stages instead
 * @param randomPartition    INQ: choose the weights of a round at random (the paper's ablation) instead of by
 *                           magnitude
 * @param mlqStages          MLQ: the quantized layers split in network order into this many stages
 * @param epochsPerRound     retraining epochs after each round's partition (the round that freezes everything
 *                           retrains nothing); the optimizer restarts every round
 * @param schedule           learning rate over each round's epochs (momentum and weight decay are the model's own,
 *                           from its training configuration)
 * @param workers            data-parallel workers
 * @param batchSizePerWorker examples per minibatch on each worker
 * @param averagingFrequency minibatches each worker fits between parameter averages
 * @param evalBatchSize      minibatch size for evaluation
 * @param seed               seed of shuffles and of the random partition
 * @param skipLayers         layers kept in float (default none: INQ quantizes every conv and dense layer, first and
 *                           last included; the SLQ paper's code keeps the final FC float: pass {@code output})
 */
public record QuantizeConfig(DataSpec data, String model, QuantizationMethod method, int bits,
                             PortionSchedule portions, boolean randomPartition, int mlqStages, int epochsPerRound,
                             LearningRateSchedule schedule, int workers,
                             int batchSizePerWorker, int averagingFrequency, int evalBatchSize, long seed,
                             List<String> skipLayers) {

    public QuantizeConfig {
        if (bits < 2 || bits > 8) {
            throw new InvalidInputException("--bits must be in [2, 8], got " + bits);
        }
        if (epochsPerRound < 0) {
            throw new InvalidInputException("--epochs-per-round must be >= 0, got " + epochsPerRound);
        }
        if (mlqStages < 1) {
            throw new InvalidInputException("--mlq-stages must be >= 1, got " + mlqStages);
        }
        if (randomPartition && method != QuantizationMethod.INQ) {
            throw new InvalidInputException("--partition random applies to --method inq only");
        }
        positive("--workers", workers);
        positive("--batch-size", batchSizePerWorker);
        positive("--averaging-frequency", averagingFrequency);
        positive("--eval-batch-size", evalBatchSize);
        skipLayers = List.copyOf(skipLayers);
    }

    private static void positive(String flag, int value) {
        if (value < 1) {
            throw new InvalidInputException(flag + " must be >= 1, got " + value);
        }
    }

    /** Quantization rounds of the run. */
    public int rounds() {
        return method == QuantizationMethod.MLQ ? mlqStages : portions.rounds();
    }
}
