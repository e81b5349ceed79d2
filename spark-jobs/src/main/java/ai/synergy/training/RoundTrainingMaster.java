package ai.synergy.training;

import ai.synergy.nd4j.PackedArray;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Driver side: dl4j-spark's {@link ParameterAveragingTrainingMaster}, driven one averaging round at a time.
 *
 * <p>The stock {@code executeTraining} counts the whole RDD, splits it at random and repartitions each split; here
 * the driver hands over exactly one round's data, already laid out as one partition per worker with the same number
 * of minibatches each, built on the executors from their cached shards. Each round is then one Spark job: broadcast of
 * parameters and updater state, {@code averagingFrequency} minibatch fits per worker (with the master's training
 * hooks), and the tree-aggregated average of parameters and updater state set back on the driver's network.
 * The learning rate is set on the driver's network before each round (see {@code EpochTrainer}), because the workers'
 * cloned configurations restart any DL4J schedule at iteration 0.
 */
public final class RoundTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Pattern LEARNING_RATES = Pattern.compile("(\"learningRate\"\\s*:\\s*)[-+0-9.eE]+");
    private static final Pattern COUNTERS = Pattern.compile("(\"(?:iterationCount|epochCount)\"\\s*:\\s*)[0-9]+");

    private transient Broadcast<String> configurationBroadcast;
    private transient String broadcastKey = "";
    private transient Broadcast<RoundParameters> roundBroadcast;

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
            doIteration(graph, roundData, round, rounds);
        } finally {
            if (roundBroadcast != null) {
                roundBroadcast.destroy();
                roundBroadcast = null;
            }
        }
        return graph.getScore();
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
        INDArray updaterState = network.getUpdater() == null ? null : network.getUpdater().getStateViewArray();
        RoundParameters parameters = new RoundParameters(key, learningRates(network),
                network.getConfiguration().getIterationCount(), network.getConfiguration().getEpochCount(),
                PackedArray.of(network.params()), saveUpdater && updaterState != null ? PackedArray.of(updaterState)
                : null);
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

    /** Layer name -> current learning rate, for every layer whose updater has one. */
    static Map<String, Double> learningRates(ComputationGraph network) {
        Map<String, Double> rates = new TreeMap<>();
        for (Layer layer : network.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Double rate = network.getLearningRate(name);
            if (rate != null) {
                rates.put(name, rate);
            }
        }
        return rates;
    }
}
