package ai.synergy.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * One line of {@code metrics.jsonl}: what one training epoch did and how the model scored after it.
 *
 * @param epoch          1-based epoch number
 * @param trainLoss      mean training loss over the epoch's averaging rounds
 * @param learningRate   learning rate used in the epoch's last round
 * @param testTop1       top-1 accuracy on the held-out set
 * @param testTop5       top-5 accuracy on the held-out set, null when there are 5 classes or fewer
 * @param testExamples   number of held-out examples scored
 * @param imagesPerSecond training throughput of the epoch (training images / training wall time)
 * @param epochSeconds   wall time of the epoch's training
 * @param evalSeconds    wall time of the evaluation
 * @param headTop1       deeply supervised training: top-1 of every head ({@code head_main}, {@code head_aux1}, ...)
 *                       and of their ensemble ({@code heads_ensemble}); null for a plain network
 * @param pruning        pruning runs: the epoch's stage and how sparse the weights are; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochMetrics(
        int epoch,
        double trainLoss,
        double learningRate,
        double testTop1,
        Double testTop5,
        long testExamples,
        double imagesPerSecond,
        double epochSeconds,
        double evalSeconds,
        Map<String, Double> headTop1,
        Pruning pruning) {

    /**
     * The pruning columns of an epoch.
     *
     * @param stage        dense, admm or retrain
     * @param sparsity     fraction of the prunable weights (conv, dense, output) exactly 0 after the epoch
     * @param admmResidual ADMM stage: ||W - Z|| / ||W|| over the pruned layers (how far the weights still are from
     *                     their sparse projection; falls as rho grows); null in other stages
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pruning(String stage, double sparsity, Double admmResidual) {
    }
}
