package ai.synergy.training;

import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.api.worker.ExecuteWorkerMultiDataSetFlatMap;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Driver side: dl4j-spark's {@link ParameterAveragingTrainingMaster}, driven one averaging round at a time.
 *
 * <p>The stock {@code executeTraining} counts the whole RDD, splits it at random and repartitions each split; here
 * the driver hands over exactly one round's data, already laid out as one partition per worker with the same number
 * of minibatches each, built on the executors from their cached shards. Each round is then one Spark job: the
 * workers take the driver's parameters and updater state, fit {@code averagingFrequency} minibatches each (with the
 * master's training hooks), and the average of their parameters and updater state is set back on the driver's
 * network. How the arrays travel ({@link RoundExchange}): from a round server of the driver's and back to it on a
 * cluster, by reference in local mode, or as a broadcast out and tree-aggregated task results back through Spark.
 * The learning rate is set on the driver's network before each round (see {@code EpochTrainer}), because the workers'
 * cloned configurations restart any DL4J schedule at iteration 0.
 */
public final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Pattern LEARNING_RATES = Pattern.compile("(\"learningRate\"\\s*:\\s*)[-+0-9.eE]+");
    private static final Pattern COUNTERS = Pattern.compile("(\"(?:iterationCount|epochCount)\"\\s*:\\s*)[0-9]+");

    private transient Broadcast<String> configurationBroadcast;
    private transient String broadcastKey = "";
    private transient Broadcast<RoundParameters> roundBroadcast;
    private transient RoundExchange exchange;
    /** The round open outside Spark's results (in-JVM or direct), null between rounds and with Spark's exchange. */
    private transient OpenRound openRound;

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
     * The round's broadcast of parameters and updater state is destroyed once the round's job has returned (on the
     * driver and the executors), rather than left to Spark's context cleaner, which frees a broadcast only after the
     * driver's garbage collector has dropped it: ResNet-18 would otherwise keep 90 MB per past round in the block
     * managers.
     */
    public double trainRound(SparkComputationGraph graph, JavaRDD<MultiDataSet> roundData, int round, int rounds) {
        try {
            ComputationGraph network = graph.getNetwork();
            switch (exchange(graph)) {
                case IN_JVM -> trainOutsideSpark(graph, roundData,
                        InJvmRounds.open(network.params(), averagedUpdaterState(network)));
                case DIRECT -> trainOutsideSpark(graph, roundData, RoundServer.open(graph.getSparkContext().getConf(),
                        network.params(), averagedUpdaterState(network)));
                case SPARK -> doIteration(graph, roundData, round, rounds);
            }
        } finally {
            if (roundBroadcast != null) {
                roundBroadcast.destroy();
                roundBroadcast = null;
            }
        }
        return graph.getScore();
    }

    /** Sets how the rounds' arrays travel (by default {@link RoundExchange#of} the context's configuration). */
    public RoundTrainingMaster roundExchange(RoundExchange exchange) {
        this.exchange = exchange;
        return this;
    }

    private RoundExchange exchange(SparkComputationGraph graph) {
        if (exchange == null) {
            exchange = RoundExchange.of(graph.getSparkContext().getConf(), graph.getSparkContext().isLocal());
        }
        return exchange;
    }

    /**
     * One round whose arrays travel outside Spark's broadcast and task results ({@link RoundExchange#IN_JVM},
     * {@link RoundExchange#DIRECT}): the same workers and the same average as dl4j-spark's {@code doIteration} and
     * {@code processResults}, but the tasks take the driver's arrays from {@code round}, deposit their results there
     * and return only their partition numbers; the driver sums the results in partition order, divides by their count
     * and sets them on its network. {@code round} is closed when this returns or fails.
     */
    private void trainOutsideSpark(SparkComputationGraph graph, JavaRDD<MultiDataSet> roundData, OpenRound round) {
        try (round) {
            openRound = round;
            if (collectTrainingStats) {
                stats.logMapPartitionsStart();
            }
            ParameterAveragingTrainingWorker worker = getWorkerInstance(graph);
            List<Integer> partitions = roundData.mapPartitions(new ExecuteWorkerMultiDataSetFlatMap<>(worker))
                    .mapPartitionsWithIndex(round.deposit(), true).collect();
            if (collectTrainingStats) {
                stats.logAggregateStartTime();
            }
            List<ParameterAveragingTrainingResult> results = round.results(partitions);
            if (results.isEmpty()) {
                throw new IllegalStateException("an averaging round returned no worker results (every partition "
                        + "empty)");
            }
            if (collectTrainingStats) {
                stats.logAggregationEndTime();
            }
            average(graph, results);
            if (collectTrainingStats) {
                stats.logMapPartitionsEnd(roundData.getNumPartitions());
            }
        } finally {
            openRound = null;
        }
    }

    /** Sets the mean of the workers' parameters, updater state and loss on the driver's network. */
    private void average(SparkComputationGraph graph, List<ParameterAveragingTrainingResult> results) {
        if (collectTrainingStats) {
            stats.logProcessParamsUpdaterStart();
        }
        ComputationGraph network = graph.getNetwork();
        INDArray parameters = results.get(0).getParameters();
        INDArray updaterState = results.get(0).getUpdaterState();
        double scoreSum = 0;
        SparkTrainingStats workerStats = null;
        for (int i = 0; i < results.size(); i++) {
            ParameterAveragingTrainingResult result = results.get(i);
            if (i > 0) {
                parameters.addi(result.getParameters());
                if (updaterState != null) {
                    updaterState.addi(result.getUpdaterState());
                }
            }
            scoreSum += result.getScore();
            SparkTrainingStats taskStats = result.getSparkTrainingStats();
            if (workerStats == null) {
                workerStats = taskStats;
            } else if (taskStats != null) {
                workerStats.addOtherTrainingStats(taskStats);
            }
        }
        network.setParams(parameters.divi(results.size()));
        if (updaterState != null) {
            network.getUpdater().setStateViewArray(updaterState.divi(results.size()));
        }
        graph.setScore(scoreSum / results.size());
        Nd4j.getExecutioner().commit();
        network.getConfiguration().setIterationCount(network.getConfiguration().getIterationCount()
                + averagingFrequency);
        if (collectTrainingStats) {
            stats.logProcessParamsUpdaterEnd();
            stats.addWorkerStats(workerStats);
        }
    }

    /**
     * Broadcasts the round's parameters, updater state and learning rates, and the network configuration (as JSON)
     * when it changed; the workers are {@link RoundTrainingWorker}s.
     */
    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        ComputationGraph network = graph.getNetwork();
        String json = network.getConfiguration().toJson();
        String key = configurationKey(json);
        if (collectTrainingStats) {
            stats.logBroadcastStart();
        }
        if (!key.equals(broadcastKey)) {
            if (configurationBroadcast != null) {
                configurationBroadcast.destroy();
            }
            configurationBroadcast = graph.getSparkContext().broadcast(json);
            broadcastKey = key;
        }
        RoundArrays arrays = openRound != null ? openRound.arrays()
                : RoundArrays.Packed.of(network.params(), averagedUpdaterState(network));
        RoundParameters parameters = new RoundParameters(key, LearningRates.of(network),
                network.getConfiguration().getIterationCount(), network.getConfiguration().getEpochCount(), arrays);
        Broadcast<RoundParameters> round = graph.getSparkContext().broadcast(parameters);
        roundBroadcast = round;
        if (collectTrainingStats) {
            stats.logBroadcastEnd();
        }
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new RoundTrainingWorker(configurationBroadcast, round, saveUpdater, configuration, trainingHookList,
                listeners);
    }

    /** The updater state the round averages: null when the updater is stateless or not averaged. */
    private INDArray averagedUpdaterState(ComputationGraph network) {
        return saveUpdater && network.getUpdater() != null ? network.getUpdater().getStateViewArray() : null;
    }

    /**
     * SHA-256 of a configuration's JSON with every learning rate and DL4J's iteration and epoch counters blanked: two
     * rounds with the same key differ only in what {@link RoundParameters} carries.
     */
    static String configurationKey(String json) {
        String blanked = COUNTERS.matcher(LEARNING_RATES.matcher(json).replaceAll("$1_")).replaceAll("$1_");
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(blanked.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
