package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A per-example loss of a classifier's logits (the pre-softmax activations of its output layer): the objective an
 * attack maximizes. Implementations are bound to a minibatch's labels (and targets).
 */
public interface LogitLoss {

    /** The loss of each example, for logits [B, C]. */
    double[] values(INDArray logits);

    /** dL_i/dz_i for each example i, for logits z [B, C]: [B, C] in the logits' data type. */
    INDArray gradient(INDArray logits);
}
