package ai.synergy.training;

import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.WeightConstraint;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Map;

/**
 * Executor side: applies the driver's current weight constraint (ADMM's proximal term, hard pruning's masks, or
 * quantization's frozen weights) to every minibatch step of a worker. The constraint travels as a Spark broadcast, fetched once per executor and
 * replaced by the driver only when it changes (every ADMM update, and at hard pruning). A listener on the worker's
 * network adjusts the weight gradients after the backward pass and before the updater (DL4J calls
 * {@code onGradientCalculation} in between); after each update the weights are adjusted again (masks: pruned weights
 * back to exactly 0; frozen weights back to their codebook values, whatever momentum and weight decay did).
 */
public final class WeightConstraintHook implements TrainingHook {
    private final Broadcast<? extends WeightConstraint> constraint;
    private transient ComputationGraph attachedTo;
    /** The attached network's prunable weight views (live; looked up once per network, not per minibatch). */
    private transient Map<String, INDArray> weights;

    /** A hook applying {@code constraint}'s value. */
    public WeightConstraintHook(Broadcast<? extends WeightConstraint> constraint) {
        this.constraint = constraint;
    }

    /** The broadcast this hook reads (the driver destroys it when the constraint changes). */
    public Broadcast<? extends WeightConstraint> broadcast() {
        return constraint;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph graph = (ComputationGraph) model;
        if (attachedTo != graph) {
            WeightConstraint value = constraint.value();
            Map<String, INDArray> views = PrunableLayers.weights(graph);
            graph.addListeners(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model m) {
                    ComputationGraph g = (ComputationGraph) m;
                    value.adjustGradients(views, PrunableLayers.gradients(g, value.layers()), g.batchSize());
                }
            });
            attachedTo = graph;
            weights = views;
        }
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        constraint.value().adjustWeights(weights);
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the project's networks are ComputationGraphs fed MultiDataSets");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }
}
