package ai.synergy.dks;

import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * Turns a deeply supervised training graph into the inference model DKS promises: the baseline ResNet of the same
 * depth (same parameter count and FLOPs), carrying the training graph's backbone and main-head parameters (and batch
 * norm statistics), and no parameter of any auxiliary branch. Layers are matched by name: the training graph keeps
 * the baseline's vertex names. The main head's logits become the baseline's softmax output.
 */
public final class LeanExport {
    private LeanExport() {
    }

    /** The inference model of {@code training}, whose backbone is {@code spec}. */
    public static ComputationGraph export(ComputationGraph training, ModelSpec spec, OptimizerSpec optimizer) {
        ComputationGraph lean = ResNets.create(spec, optimizer);
        for (Layer layer : lean.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Layer source = training.getConfiguration().getVertices().containsKey(name) ? training.getLayer(name) : null;
            if (source == null) {
                throw new IllegalArgumentException("training graph has no layer '" + name + "' of the baseline "
                        + spec.architecture().canonicalName());
            }
            Map<String, INDArray> from = source.paramTable();
            for (Map.Entry<String, INDArray> param : layer.paramTable().entrySet()) {
                INDArray value = from.get(param.getKey());
                if (value == null || !Arrays.equals(value.shape(), param.getValue().shape())) {
                    throw new IllegalArgumentException("layer '" + name + "' parameter " + param.getKey()
                            + " does not match the baseline's shape " + Arrays.toString(param.getValue().shape()));
                }
                param.getValue().assign(value);
            }
        }
        return lean;
    }
}
