package ai.synergy.adversarial;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What APGD needs from a model: in one forward and backward pass, the logits at a minibatch and the gradient, with
 * respect to the inputs, of any loss of the logits. The model is the function that is evaluated (batch norm with its
 * running statistics), so examples do not influence each other.
 */
public interface LogitsGradient {

    /**
     * The logits [B, C] at inputs {@code x} [B, ...] and the gradient of sum_i loss_i with respect to {@code x}. The
     * arrays may be buffers that the next call overwrites.
     */
    Pass pass(INDArray x, LogitLoss loss);

    /**
     * One pass's results.
     *
     * @param logits        [B, C]
     * @param inputGradient d(sum_i loss_i)/dx, shaped like x
     */
    record Pass(INDArray logits, INDArray inputGradient) {
    }
}
