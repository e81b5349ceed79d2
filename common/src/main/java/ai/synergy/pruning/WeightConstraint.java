package ai.synergy.pruning;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * What a compression stage does to every training step of a worker, on named layer weights: adjust the weight
 * gradients before the updater applies them, and fix up the weights after the update. ADMM's proximal term and hard
 * pruning's masks are the two kinds ({@link AdmmState}, {@link Masks}).
 */
public interface WeightConstraint {

    /** The layers this constraint acts on. */
    Set<String> layers();

    /**
     * Changes the weight gradients in place, before the update (weights and gradients by layer name). DL4J's
     * gradients are sums over the minibatch at this point (its updater divides by the minibatch size afterwards),
     * so a penalty on the weights adds its gradient {@code minibatchSize} times.
     */
    void adjustGradients(Map<String, INDArray> weights, Map<String, INDArray> gradients, long minibatchSize);

    /** Changes the weights in place, after the update (and after every parameter average). */
    void adjustWeights(Map<String, INDArray> weights);
}
