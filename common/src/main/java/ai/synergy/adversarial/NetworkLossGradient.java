package ai.synergy.adversarial;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/** dLoss/dInput of a {@link MultiLayerNetwork}, through its {@code calculateGradients} (the network is not changed). */
public final class NetworkLossGradient implements LossGradient {
    private final MultiLayerNetwork network;

    /** Gradients of {@code network} as it is at each call. */
    public NetworkLossGradient(MultiLayerNetwork network) {
        this.network = network;
    }

    @Override
    public INDArray inputGradient(INDArray x, INDArray labels) {
        return network.calculateGradients(x, labels, null, null).getSecond().dup();
    }
}
