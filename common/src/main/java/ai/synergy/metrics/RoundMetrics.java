package ai.synergy.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of a quantization run's {@code rounds.jsonl}: what one round did and how the model scored after it.
 *
 * @param round            1-based round number
 * @param frozenFraction   fraction of the quantized layers' weights frozen at codebook values after the round
 * @param trainLoss        mean training loss of the round's retraining; null when it retrained nothing
 * @param testTop1         top-1 accuracy on the held-out set after the round
 * @param testTop5         top-5 accuracy, null when there are 5 classes or fewer
 * @param partitionSeconds driver time to partition and quantize the weights
 * @param trainSeconds     wall time of the round's retraining on the executors
 * @param evalSeconds      wall time of the evaluation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoundMetrics(int round, double frozenFraction, Double trainLoss, double testTop1, Double testTop5,
                           double partitionSeconds, double trainSeconds, double evalSeconds) {
}
