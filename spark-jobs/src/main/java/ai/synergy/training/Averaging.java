package ai.synergy.training;

import ai.synergy.config.Require;

/**
 * Defaults and checks of synchronous parameter averaging, shared by every configuration that trains
 * ({@link TrainConfig}, {@link QuantizeConfig}).
 */
public final class Averaging {
    /** Data-parallel workers (= shards = partitions). */
    public static final int WORKERS = 2;
    /** Examples per minibatch on each worker. */
    public static final int BATCH_SIZE_PER_WORKER = 64;
    /**
     * Minibatches each worker fits between averages: too low costs traffic and scheduling per step, too high lets the
     * workers drift apart. 5 is dl4j-spark's default and measured level with one JVM here.
     */
    public static final int AVERAGING_FREQUENCY = 5;
    /** Examples per evaluation minibatch. */
    public static final int EVAL_BATCH_SIZE = 256;
    /** Seed of initialisation, shuffles and random partitions. */
    public static final long SEED = 42;

    private Averaging() {
    }

    /** Each count must be at least 1. */
    static void check(int workers, int batchSizePerWorker, int averagingFrequency, int evalBatchSize) {
        Require.atLeast("workers", workers, 1);
        Require.atLeast("batchSizePerWorker", batchSizePerWorker, 1);
        Require.atLeast("averagingFrequency", averagingFrequency, 1);
        Require.atLeast("evalBatchSize", evalBatchSize, 1);
    }
}
