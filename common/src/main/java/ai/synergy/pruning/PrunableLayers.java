package ai.synergy.pruning;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which weights of a network pruning may touch: the weight {@code W} of every convolution, dense and output layer
 * (biases and batch norm stay dense, as in Ye et al., arXiv:1903.12561), by layer name.
 */
public final class PrunableLayers {
    private PrunableLayers() {
    }

    /**
     * The live weight views of {@code graph}'s prunable layers (writing into them changes the network), sorted by
     * layer name.
     */
    public static Map<String, INDArray> weights(ComputationGraph graph) {
        Map<String, INDArray> weights = new TreeMap<>();
        for (Layer layer : graph.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (conf instanceof ConvolutionLayer || conf instanceof DenseLayer || conf instanceof OutputLayer) {
                String name = conf.getLayerName();
                weights.put(name, graph.getParam(name + "_" + DefaultParamInitializer.WEIGHT_KEY));
            }
        }
        return Collections.unmodifiableMap(weights);
    }

    /**
     * The weight-gradient views of the same layers in the network's current gradient (what the updater is about to
     * apply, inside a {@code onGradientCalculation} listener), by layer name.
     */
    public static Map<String, INDArray> gradients(ComputationGraph graph, Iterable<String> layers) {
        Map<String, INDArray> gradients = new TreeMap<>();
        Map<String, INDArray> all = graph.gradient().gradientForVariable();
        for (String layer : layers) {
            INDArray g = all.get(layer + "_" + DefaultParamInitializer.WEIGHT_KEY);
            if (g == null) {
                throw new IllegalStateException("no weight gradient for pruned layer " + layer);
            }
            gradients.put(layer, g);
        }
        return gradients;
    }
}
