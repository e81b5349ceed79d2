package ai.synergy.training;

import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Driver side: dl4j-spark's {@link ParameterAveragingTrainingMaster}, driven one averaging round at a time.
 *
 * <p>The stock {@code executeTraining} counts the whole RDD, splits it at random and repartitions each split; here
 * the driver hands over exactly one round's data, already laid out as one partition per worker with the same number
 * of minibatches each, built on the executors from their cached shards. Each round is then one Spark job: broadcast of
 * parameters and updater state, {@code averagingFrequency} minibatch fits per worker (with the master's training
 * hooks), and the tree-aggregated average of parameters and updater state set back on the driver's network.
 * The learning rate is set on the driver's network before each round (see {@code TrainJob}), because the workers'
 * cloned configurations restart any DL4J schedule at iteration 0.
 */
public final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {

    private RoundTrainingMaster(Builder builder) {
        super(builder);
    }

    /**
     * A master for {@code workers} workers, each fitting up to {@code averagingFrequency} minibatches of
     * {@code batchSizePerWorker} examples between averages; the updater state (momentum) is averaged too.
     */
    public static RoundTrainingMaster create(int workers, int batchSizePerWorker, int averagingFrequency, long seed) {
        Builder builder = new Builder(workers, batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .aggregationDepth(2)
                .saveUpdater(true)
                .repartionData(Repartition.Never)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(null)
                .rngSeed(seed);
        return new RoundTrainingMaster(builder);
    }

    /**
     * Collects dl4j-spark's training statistics afresh from the next round on (driver: broadcast, aggregation,
     * parameter update; workers: network set-up, data and fit times), for {@link EpochTimeSplit}.
     */
    public void restartTimings() {
        ExecutorSetup.useSystemClockForTrainingStats();
        setCollectTrainingStats(false);
        setCollectTrainingStats(true);
    }

    /**
     * Trains one averaging round on {@code roundData} (one partition per worker, each holding this round's minibatches)
     * and leaves the averaged parameters in {@code graph.getNetwork()}. Returns the workers' mean last-minibatch loss.
     */
    public double trainRound(SparkComputationGraph graph, JavaRDD<MultiDataSet> roundData, int round, int rounds) {
        doIteration(graph, roundData, round, rounds);
        return graph.getScore();
    }

    /**
     * As dl4j-spark's: broadcasts the driver network's configuration, parameters and updater state; the workers are
     * {@link RoundTrainingWorker}s.
     */
    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getNetwork().getConfiguration(),
                graph.getNetwork().params(), graph.getNetwork().getUpdater().getStateViewArray());
        if (collectTrainingStats) {
            stats.logBroadcastStart();
        }
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
        if (collectTrainingStats) {
            stats.logBroadcastEnd();
        }
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new RoundTrainingWorker(broadcast, saveUpdater, configuration, trainingHookList, listeners,
                getRouterProvider());
    }
}
