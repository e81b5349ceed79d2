package ai.synergy.training;

import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.dataset.ShardedDataset;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.function.Consumer;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;

/**
 * Driver side: one epoch of synchronous parameter averaging, one averaging round (one Spark job) at a time. Before
 * each round the driver sets the learning rate; each round's minibatches are built on the executors from their
 * cached shards (shuffled by seed and epoch); after each round a caller's step may adjust the averaged network
 * (e.g. re-impose pruning masks or frozen quantized weights).
 */
public final class EpochTrainer {
    private final ShardedDataset data;
    private final SparkComputationGraph sparkGraph;
    private final RoundTrainingMaster master;
    private final RoundPlan plan;
    private final long seed;
    private final int batchSizePerWorker;
    private final BatchSpec batchSpec;
    private double lastRate;
    private EpochTimeSplit lastTimeSplit;

    /** Reports each finished averaging round (progress lines). */
    public interface RoundListener {
        /** Round {@code round} (0-based) of the epoch finished with the workers' mean loss at {@code rate}. */
        void roundDone(int round, double loss, double rate);
    }

    public EpochTrainer(ShardedDataset data, SparkComputationGraph sparkGraph, RoundTrainingMaster master,
                        RoundPlan plan, long seed, int batchSizePerWorker, BatchSpec batchSpec) {
        this.data = data;
        this.sparkGraph = sparkGraph;
        this.master = master;
        this.plan = plan;
        this.seed = seed;
        this.batchSizePerWorker = batchSizePerWorker;
        this.batchSpec = batchSpec;
    }

    /**
     * Trains one epoch and returns the mean of the rounds' losses.
     *
     * @param shuffle     the epoch number that seeds the shuffle (distinct per pass over the data)
     * @param rate        learning rate as a function of the fraction of this epoch already done, in [0, 1)
     * @param afterRound  runs on the averaged network after every round
     * @param listener    told about every round
     * @param where       describes the position in the run for the divergence message (e.g. "epoch 3")
     * @param lastGood    names the last good checkpoint, for the divergence message
     * @throws TrainingDivergedException when a round's loss is NaN or infinite
     */
    public double train(int shuffle, DoubleUnaryOperator rate, Consumer<ComputationGraph> afterRound,
                        RoundListener listener, String where, Supplier<String> lastGood) {
        double lossSum = 0;
        long start = System.nanoTime();
        master.restartTimings();
        for (int round = 0; round < plan.rounds(); round++) {
            lastRate = rate.applyAsDouble((double) plan.firstBatch(round) / plan.batchesPerWorker());
            LearningRates.set(sparkGraph.getNetwork(), lastRate);
            JavaRDD<MultiDataSet> roundData = data.train().mapPartitions(new RoundBatches(seed, shuffle,
                    plan.firstBatch(round), plan.batchesIn(round), batchSizePerWorker, batchSpec), true);
            double loss = master.trainRound(sparkGraph, roundData, round + 1, plan.rounds());
            if (!Double.isFinite(loss)) {
                throw new TrainingDivergedException("training loss became " + loss + " in " + where + ", round "
                        + (round + 1) + " (learning rate " + lastRate + "); stopped. The last good checkpoint is "
                        + lastGood.get() + "; try a lower --lr");
            }
            afterRound.accept(sparkGraph.getNetwork());
            lossSum += loss;
            listener.roundDone(round, loss, lastRate);
        }
        lastTimeSplit = EpochTimeSplit.of(master.getTrainingStats(), (System.nanoTime() - start) / 1e9,
                plan.rounds(), data.train().getNumPartitions());
        return lossSum / plan.rounds();
    }

    /** Where the last epoch's training time went. */
    public EpochTimeSplit lastTimeSplit() {
        return lastTimeSplit;
    }

    /** The learning rate of the last round trained. */
    public double lastRate() {
        return lastRate;
    }

    /** Training images per epoch over all workers. */
    public long imagesPerEpoch(int workers) {
        return plan.imagesPerEpoch(batchSizePerWorker, workers);
    }

    /** Averaging rounds per epoch. */
    public int rounds() {
        return plan.rounds();
    }
}
