package ai.synergy.adversarial;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.UnaryOperator;

/**
 * dLoss/dInput of a {@link ComputationGraph}, which DL4J 1.0.0-M2.1 does not offer directly: the gradient of the
 * network's own training loss, computed on a private copy with an input-gradient vertex ({@link InputGradientGraph}).
 * The copy takes the source's current parameters on {@link #syncFrom}, so one instance serves a network that keeps
 * training; the source itself is never touched. Batch norm runs in training mode (minibatch statistics), as in
 * DL4J's backward pass; the gradient is that of the minibatch's summed loss.
 */
public final class GraphLossGradient implements LossGradient {
    private final InputGradientGraph copy;

    /** A gradient source for networks of {@code source}'s configuration, starting at its current parameters. */
    public GraphLossGradient(ComputationGraph source) {
        this.copy = new InputGradientGraph(source, UnaryOperator.identity(), false);
    }

    /**
     * Takes over {@code source}'s current parameters and counters (e.g. the worker's model before each minibatch, or
     * another network of the same configuration when the copy is reused).
     */
    public void syncFrom(ComputationGraph source) {
        copy.syncFrom(source);
    }

    /** The gradient, in a buffer this instance reuses: valid until the next call. */
    @Override
    public INDArray inputGradient(INDArray x, INDArray labels) {
        return copy.inputGradient(x, labels);
    }
}
