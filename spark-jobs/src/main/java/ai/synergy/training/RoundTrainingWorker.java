package ai.synergy.training;

import ai.synergy.nd4j.LayerHelpers;
import ai.synergy.spark.ComputeThreads;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingWorkerStats;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Executor side: one worker's share of an averaging round. It fits the round's minibatches on a network of this JVM's
 * {@link NetworkPool} that takes the round's broadcast parameters, updater state and learning rates (built from the
 * broadcast configuration only when none is idle), with synergy's CPU batch-norm helper, and returns copies of the
 * parameters and updater state for averaging. Hooks that pool state of their own ({@link RoundScopedHook}) are told
 * when the task's round starts and ends. Same result as dl4j-spark's worker, which rebuilds the network from a
 * Java-serialized configuration every round. Its ND4J work runs on this JVM's {@link ComputeThreads}, one call per
 * minibatch, so that the network's workspaces live on one thread whichever Spark thread runs the task.
 */
public final class RoundTrainingWorker extends ParameterAveragingTrainingWorker {
    private final Broadcast<String> configurationJson;
    private final Broadcast<RoundParameters> round;
    private final boolean saveUpdater;
    private final boolean collectStats;
    private final Collection<TrainingHook> hooks;
    private final Collection<TrainingListener> listeners;
    private transient ParameterAveragingTrainingWorkerStats.ParameterAveragingTrainingWorkerStatsHelper stats;

    RoundTrainingWorker(Broadcast<String> configurationJson, Broadcast<RoundParameters> round, boolean saveUpdater,
                        WorkerConfiguration configuration, Collection<TrainingHook> hooks,
                        Collection<TrainingListener> listeners) {
        super(null, saveUpdater, configuration, hooks, listeners, null);
        this.configurationJson = configurationJson;
        this.round = round;
        this.saveUpdater = saveUpdater;
        this.collectStats = configuration.isCollectTrainingStats();
        this.hooks = hooks;
        this.listeners = listeners;
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
        return ComputeThreads.get(this::takeNetwork);
    }

    private ComputationGraph takeNetwork() {
        if (collectStats) {
            stats = new ParameterAveragingTrainingWorkerStats.ParameterAveragingTrainingWorkerStatsHelper();
            stats.logBroadcastGetValueStart();
        }
        RoundParameters parameters = round.getValue();
        if (collectStats) {
            stats.logBroadcastGetValueEnd();
        }
        ComputationGraph network = NetworkPool.take(parameters.configurationKey()).orElseGet(this::build);
        LearningRates.set(network, parameters.learningRates());
        parameters.arrays().copyInto(network);
        network.getConfiguration().setIterationCount(parameters.iterationCount());
        network.getConfiguration().setEpochCount(parameters.epochCount());
        network.setListeners(listeners == null ? List.of() : new ArrayList<>(listeners));
        roundScopedHooks().forEach(hook -> hook.roundStarted(parameters.configurationKey()));
        Nd4j.getExecutioner().commit();
        if (collectStats) {
            stats.logInitEnd();
        }
        return network;
    }

    @Override
    public ParameterAveragingTrainingResult processMinibatch(MultiDataSet minibatch, ComputationGraph network,
                                                             boolean isLast) {
        return ComputeThreads.get(() -> fit(minibatch, network, isLast));
    }

    private ParameterAveragingTrainingResult fit(MultiDataSet minibatch, ComputationGraph network, boolean isLast) {
        if (collectStats) {
            stats.logFitStart();
        }
        if (hooks != null) {
            hooks.forEach(hook -> hook.preUpdate(minibatch, network));
        }
        network.fit(minibatch);
        if (hooks != null) {
            hooks.forEach(hook -> hook.postUpdate(minibatch, network));
        }
        if (collectStats) {
            stats.logFitEnd(minibatch.getFeatures(0).size(0));
        }
        Nd4j.getExecutioner().commit();
        return isLast ? getFinalResult(network) : null;
    }

    @Override
    public Pair<ParameterAveragingTrainingResult, SparkTrainingStats> processMinibatchWithStats(
            MultiDataSet minibatch, ComputationGraph network, boolean isLast) {
        ParameterAveragingTrainingResult result = processMinibatch(minibatch, network, isLast);
        return result == null ? null : new Pair<>(result, stats == null ? null : stats.build());
    }

    /** Copies out the parameters and updater state, then hands the network back to the pool. */
    @Override
    public ParameterAveragingTrainingResult getFinalResult(ComputationGraph network) {
        return ComputeThreads.get(() -> copyOutAndGiveBack(network));
    }

    private ParameterAveragingTrainingResult copyOutAndGiveBack(ComputationGraph network) {
        INDArray parameters;
        INDArray updaterState = null;
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            parameters = network.params().dup();
            if (saveUpdater && network.getUpdater() != null && network.getUpdater().getStateViewArray() != null) {
                updaterState = network.getUpdater().getStateViewArray().dup();
            }
        }
        double score = network.score();
        Nd4j.getExecutioner().commit();
        network.setListeners(List.of());
        roundScopedHooks().forEach(RoundScopedHook::roundEnded);
        NetworkPool.giveBack(round.getValue().configurationKey(), network);
        return new ParameterAveragingTrainingResult(parameters, updaterState, score, null, null, null);
    }

    @Override
    public Pair<ParameterAveragingTrainingResult, SparkTrainingStats> getFinalResultWithStats(
            ComputationGraph network) {
        return new Pair<>(getFinalResult(network), stats == null ? null : stats.build());
    }

    @Override
    public MultiLayerNetwork getInitialModel() {
        throw new UnsupportedOperationException("synergy trains ComputationGraphs");
    }

    private List<RoundScopedHook> roundScopedHooks() {
        if (hooks == null) {
            return List.of();
        }
        return hooks.stream().filter(RoundScopedHook.class::isInstance).map(RoundScopedHook.class::cast).toList();
    }

    private ComputationGraph build() {
        ComputationGraph network = new ComputationGraph(ComputationGraphConfiguration.fromJson(
                configurationJson.getValue()));
        network.init();
        LayerHelpers.install(network);
        NetworkPool.countBuilt();
        return network;
    }
}
