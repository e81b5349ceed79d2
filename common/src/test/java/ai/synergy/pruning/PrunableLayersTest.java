package ai.synergy.pruning;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PrunableLayersTest {

    @Test
    void everyConvolutionAndTheOutputLayerAreLiveViewsAndNothingElse() {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 12, 12, 4, List.of(.5), List.of(.25),
                7);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(.1, .9, 0));
        Map<String, INDArray> weights = PrunableLayers.weights(graph);

        long convolutions = Arrays.stream(graph.getLayers())
                .filter(l -> l.conf().getLayer() instanceof ConvolutionLayer).count();
        assertThat(weights).hasSize((int) convolutions + 1).containsKey(ResNets.OUTPUT);
        assertThat(weights.keySet()).allMatch(name -> !name.endsWith("_bn"));
        assertThat(weights.get(ResNets.OUTPUT).shape()).containsExactly(graph.getParam(ResNets.OUTPUT + "_W").shape());

        String first = weights.keySet().iterator().next();
        weights.get(first).assign(0);
        assertThat(graph.getParam(first + "_W").sumNumber().doubleValue()).isZero();

        graph.setInputs(Nd4j.rand(2, 1, 12, 12));
        graph.setLabels(Nd4j.eye(4).getRows(0, 1));
        graph.computeGradientAndScore();
        Map<String, INDArray> gradients = PrunableLayers.gradients(graph, weights.keySet());
        assertThat(gradients.keySet()).isEqualTo(weights.keySet());
        weights.forEach((name, w) -> assertThat(gradients.get(name).shape()).containsExactly(w.shape()));
    }
}
