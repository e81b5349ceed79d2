package ai.synergy.training;

import ai.synergy.nd4j.BatchNormHelpers;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.Collection;

/**
 * Executor side: dl4j-spark's parameter-averaging worker, whose network (rebuilt from the round's broadcast) gets
 * synergy's CPU batch-norm helper ({@link BatchNormHelpers}) before it fits the round's minibatches.
 */
public final class RoundTrainingWorker extends ParameterAveragingTrainingWorker {

    RoundTrainingWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
                        Collection<TrainingHook> hooks, Collection<TrainingListener> listeners,
                        StatsStorageRouterProvider routerProvider) {
        super(broadcast, saveUpdater, configuration, hooks, listeners, routerProvider);
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
        ComputationGraph graph = super.getInitialModelGraph();
        BatchNormHelpers.install(graph);
        return graph;
    }
}
