package ai.synergy.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parameter counts and forward-pass cost of a graph configuration, computed without allocating the network.
 *
 * <p>{@link #trainableParameters} counts what the reference implementations count (torchvision, the ResNet paper):
 * weights, biases and batch-norm gamma/beta. DL4J also stores each batch-norm layer's running mean and variance as
 * parameters; {@link #dl4jParameters} includes them (it equals {@code ComputationGraph.numParams()}).
 */
public final class ModelCost {
    private ModelCost() {
    }

    /** All DL4J parameters, running batch-norm statistics included. */
    public static long dl4jParameters(ComputationGraphConfiguration conf) {
        long total = 0;
        for (GraphVertex v : conf.getVertices().values()) {
            total += v.numParams(false);
        }
        return total;
    }

    /** Parameters a gradient updates: DL4J's count minus batch-norm running mean and variance. */
    public static long trainableParameters(ComputationGraphConfiguration conf) {
        long total = dl4jParameters(conf);
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                total -= 2 * bn.getNOut();
            }
        }
        return total;
    }

    /**
     * One 2-D convolution layer of a graph as it runs: its input (channels, height, width), output channels, square
     * kernel and stride. Example-independent; the minibatch size is the caller's.
     */
    public record Convolution(String layer, int channels, int height, int width, int outChannels, int kernel,
                              int stride) {
        /** Multiply-adds of the forward pass per example (Same mode: ceil(h / s) x ceil(w / s) outputs). */
        public long macsPerExample() {
            long oh = (height + stride - 1) / stride;
            long ow = (width + stride - 1) / stride;
            return oh * ow * outChannels * (long) channels * kernel * kernel;
        }
    }

    /** Every convolution layer of {@code conf} in graph order, with the input each sees for these input types. */
    public static List<Convolution> convolutions(ComputationGraphConfiguration conf, InputType... inputTypes) {
        Map<String, InputType> types = conf.getLayerActivationTypes(inputTypes);
        List<Convolution> convolutions = new ArrayList<>();
        List<String> order = conf.getTopologicalOrderStr() != null ? conf.getTopologicalOrderStr()
                : new ArrayList<>(conf.getVertices().keySet());
        for (String name : order) {
            if (conf.getVertices().get(name) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof ConvolutionLayer conv) {
                String in = conf.getVertexInputs().get(name).get(0);
                InputType.InputTypeConvolutional t = (InputType.InputTypeConvolutional) (types.containsKey(in)
                        ? types.get(in) : inputTypes[conf.getNetworkInputs().indexOf(in)]);
                convolutions.add(new Convolution(name, (int) t.getChannels(), (int) t.getHeight(),
                        (int) t.getWidth(), (int) conv.getNOut(), conv.getKernelSize()[0], conv.getStride()[0]));
            }
        }
        return convolutions;
    }

    /**
     * Multiply-accumulate operations of one forward pass for one example, counting convolution and dense layers
     * (the usual "FLOPs" of ResNet tables are these MACs: ResNet-18 1.8G, ResNet-50 4.1G).
     */
    public static long forwardMacs(ComputationGraphConfiguration conf, InputType... inputTypes) {
        Map<String, InputType> types = conf.getLayerActivationTypes(inputTypes);
        long macs = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (layer instanceof ConvolutionLayer conv) {
                InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) types.get(e.getKey());
                long[] k = {conv.getKernelSize()[0], conv.getKernelSize()[1]};
                macs += out.getHeight() * out.getWidth() * conv.getNOut() * conv.getNIn() * k[0] * k[1];
            } else if (layer instanceof FeedForwardLayer ff && layer instanceof BaseLayer
                    && !(layer instanceof BatchNormalization)) {
                macs += ff.getNIn() * ff.getNOut();
            }
        }
        return macs;
    }
}
