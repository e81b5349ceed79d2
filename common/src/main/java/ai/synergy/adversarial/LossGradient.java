package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

/** What an attack needs from a model: the gradient of its training loss with respect to a minibatch's inputs. */
public interface LossGradient {

    /**
     * dLoss/dInput for inputs {@code x} [B, ...] with one-hot {@code labels}; any positive scaling is
     * allowed. The result may be a buffer that the next call overwrites.
     */
    INDArray inputGradient(INDArray x, INDArray labels);
}
