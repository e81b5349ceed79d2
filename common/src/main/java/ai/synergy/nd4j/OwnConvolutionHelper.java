package ai.synergy.nd4j;

import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the project's convolution helpers ({@link OneDnnConvHelper}, {@link Im2colConvHelper}) share: DL4J's helper
 * contract around the convolution itself. They are always supported (each declines per call by returning null or
 * handing the call on), leave the activation to DL4J as its own helpers do, and return their parameter gradients in
 * DL4J's gradient views under the layer's parameter keys.
 */
abstract class OwnConvolutionHelper implements ConvolutionHelper {
    /** Whether the layer has a bias: without one DL4J still hands a helper a zero bias and a scratch gradient. */
    protected final boolean hasBias;

    OwnConvolutionHelper(boolean hasBias) {
        this.hasBias = hasBias;
    }

    @Override
    public final boolean checkSupported() {
        return true;
    }

    @Override
    public final INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    /** The backward pass's result: the gradient views (the bias one only with a bias) and the input gradient. */
    protected final Pair<Gradient, INDArray> gradients(INDArray biasGradView, INDArray weightGradView,
                                                       INDArray epsNext) {
        Gradient gradient = new DefaultGradient();
        if (hasBias) {
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        return new Pair<>(gradient, epsNext);
    }
}
