package ai.synergy.training;

import ai.synergy.config.InvalidInputException;

/**
 * How an epoch divides into averaging rounds: every worker fits {@code batchesPerWorker} minibatches per epoch (the
 * smallest shard decides, so all workers do the same work), {@code averagingFrequency} per round, the last round
 * possibly shorter.
 *
 * @param batchesPerWorker   minibatches each worker fits per epoch
 * @param averagingFrequency minibatches per worker per round
 */
public record RoundPlan(int batchesPerWorker, int averagingFrequency) {

    public RoundPlan {
        if (batchesPerWorker < 1) {
            throw new IllegalArgumentException("each worker needs at least one full minibatch per epoch");
        }
    }

    /** The plan for shards of at least {@code minShardSize} examples. */
    public static RoundPlan of(int minShardSize, int batchSizePerWorker, int averagingFrequency) {
        if (minShardSize < batchSizePerWorker) {
            throw new InvalidInputException("--workers/--batch-size: the smallest worker's shard has "
                    + minShardSize + " training images, fewer than one minibatch of " + batchSizePerWorker
                    + "; use fewer --workers or a smaller --batch-size");
        }
        return new RoundPlan(minShardSize / batchSizePerWorker, averagingFrequency);
    }

    /** Images one epoch trains on: every worker's batches of {@code batchSizePerWorker}. */
    public long imagesPerEpoch(int batchSizePerWorker, int workers) {
        return (long) batchesPerWorker * batchSizePerWorker * workers;
    }

    /** Rounds per epoch. */
    public int rounds() {
        return (batchesPerWorker + averagingFrequency - 1) / averagingFrequency;
    }

    /** The first minibatch (0-based, within the epoch) of a round. */
    public int firstBatch(int round) {
        return round * averagingFrequency;
    }

    /** Minibatches per worker in a round. */
    public int batchesIn(int round) {
        return Math.min(averagingFrequency, batchesPerWorker - firstBatch(round));
    }
}
