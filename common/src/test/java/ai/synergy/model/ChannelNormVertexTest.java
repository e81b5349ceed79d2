package ai.synergy.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ChannelNormVertexTest {
    private static final double[] MEAN = {0.485, 0.456, 0.406};
    private static final double[] STD = {0.229, 0.224, 0.225};

    /** input -> norm -> squared-error loss against a target: a graph whose only computation is the vertex. */
    private static ComputationGraph graph(DataType type) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(type)
                .trainingWorkspaceMode(WorkspaceMode.NONE).inferenceWorkspaceMode(WorkspaceMode.NONE)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(2, 3, 3))
                .addVertex("norm", new ChannelNormVertex(MEAN, STD), "input")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "norm")
                .setOutputs("loss")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    @Test
    void forwardSubtractsMeanAndDividesByStdPerChannel() {
        ComputationGraph graph = graph(DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 2, 3);
        INDArray y = graph.feedForward(x, false).get("norm");
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 2; h++) {
                    for (int w = 0; w < 3; w++) {
                        double expected = (x.getDouble(n, c, h, w) - MEAN[c]) / STD[c];
                        assertThat(y.getDouble(n, c, h, w)).isCloseTo(expected, within(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void inputGradientMatchesFiniteDifferences() {
        ComputationGraph graph = graph(DataType.DOUBLE);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 2, 3);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 2, 3, 2, 3);
        INDArray[] inputGradient = new INDArray[1];
        graph.setListeners(new BaseTrainingListener() {
            @Override
            public void onBackwardPass(Model model) {
                inputGradient[0] = ((ComputationGraph) model).getVertex("input").getEpsilon().dup();
            }
        });
        graph.setInput(0, x);
        graph.setLabels(target);
        graph.computeGradientAndScore();
        INDArray analytic = inputGradient[0];
        assertThat(analytic).isNotNull();
        graph.setListeners();
        double h = 1e-6;
        for (long i = 0; i < x.length(); i++) {
            double original = x.getDouble(i);
            x.putScalar(i, original + h);
            double plus = score(graph, x, target);
            x.putScalar(i, original - h);
            double minus = score(graph, x, target);
            x.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            assertThat(analytic.getDouble(i)).as("dL/dx[%d]", i).isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
        }
    }

    private static double score(ComputationGraph graph, INDArray x, INDArray target) {
        graph.setInput(0, x);
        graph.setLabels(target);
        graph.computeGradientAndScore();
        return graph.score() * x.size(0); // DL4J's score is the minibatch mean; finite differences of the sum
    }

    @Test
    void survivesJsonAndJavaSerialization() throws Exception {
        ComputationGraphConfiguration conf = graph(DataType.FLOAT).getConfiguration();
        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertThat(fromJson).isEqualTo(conf);
        assertThat(fromJson.getVertices().get("norm")).isEqualTo(new ChannelNormVertex(MEAN, STD));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new ChannelNormVertex(MEAN, STD));
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(new ChannelNormVertex(MEAN, STD));
        }
    }

    @Test
    void refusesMismatchedOrNonPositiveStatistics() {
        assertThatThrownBy(() -> new ChannelNormVertex(new double[]{0.5}, new double[]{0.5, 0.5}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one entry per channel");
        assertThatThrownBy(() -> new ChannelNormVertex(new double[]{0.5}, new double[]{0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("> 0");
    }
}
