package ai.synergy.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.List;
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
 * @param rounds         the epoch's averaging rounds in order: mean training loss and learning rate of each, as the
 *                       console prints them, at most {@value #MAX_ROUNDS} points (an epoch of more rounds keeps
 *                       means over consecutive rounds, {@link Round#summarize}); null in logs written before they
 *                       were kept
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
        Pruning pruning,
        List<Round> rounds) {

    /** An epoch without its rounds (as logs written before they were kept read). */
    public EpochMetrics(int epoch, double trainLoss, double learningRate, double testTop1, Double testTop5,
                        long testExamples, double imagesPerSecond, double epochSeconds, double evalSeconds,
                        Map<String, Double> headTop1, Pruning pruning) {
        this(epoch, trainLoss, learningRate, testTop1, testTop5, testExamples, imagesPerSecond, epochSeconds,
                evalSeconds, headTop1, pruning, null);
    }

    /** Round points an epoch keeps (an ImageNet epoch has thousands of rounds; the checkpoint state holds them). */
    public static final int MAX_ROUNDS = 100;

    public EpochMetrics {
        rounds = rounds == null ? null : List.copyOf(rounds);
    }

    /**
     * One averaging round of the epoch.
     *
     * @param round        1-based round within the epoch
     * @param loss         mean training loss of the round's minibatches over the workers
     * @param learningRate the learning rate the round used
     */
    public record Round(int round, double loss, double learningRate) {
        /**
         * {@code rounds} as at most {@code max} points: unchanged when there are that few; else consecutive rounds
         * grouped as evenly as possible, each group one point with its last round's number and learning rate and the
         * mean of its losses.
         */
        public static List<Round> summarize(List<Round> rounds, int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max must be >= 1, got " + max);
            }
            if (rounds.size() <= max) {
                return List.copyOf(rounds);
            }
            List<Round> points = new ArrayList<>(max);
            int n = rounds.size();
            for (int g = 0; g < max; g++) {
                int from = (int) ((long) g * n / max);
                int to = (int) ((long) (g + 1) * n / max);
                double sum = 0;
                for (int i = from; i < to; i++) {
                    sum += rounds.get(i).loss();
                }
                Round last = rounds.get(to - 1);
                points.add(new Round(last.round(), sum / (to - from), last.learningRate()));
            }
            return List.copyOf(points);
        }
    }

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
