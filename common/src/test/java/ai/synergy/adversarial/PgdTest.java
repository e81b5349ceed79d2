package ai.synergy.adversarial;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PgdTest {

    @Test
    void oneStepMatchesTheReferenceVector() {
        INDArray x = Nd4j.createFromArray(new double[][]{{.5, .99, .01, .3}});
        LossGradient signs = (in, labels) -> Nd4j.createFromArray(new double[][]{{0.7, 2, -3, -0.01}});
        INDArray adv = new Pgd(8 / 255.0, 8 / 255.0, 1, false).attack(signs, x, null, 1);
        assertThat(adv.toDoubleVector()).containsExactly(new double[]{0.5313725, 1.0, 0.0, 0.2686275}, within(1e-7));
        assertThat(x.toDoubleVector()).containsExactly(.5, .99, .01, .3);
        INDArray fgsm = Pgd.fgsm(8 / 255.0).attack(signs, x, null, 1);
        assertThat(fgsm).isEqualTo(adv);
    }

    @Test
    void everyIterateStaysInTheBallAndInTheUnitRange() {
        Random random = new Random(5);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 1, 6, 6);
        x.putScalar(new long[]{0, 0, 0, 0}, 0.0).putScalar(new long[]{0, 0, 0, 1}, 1.0); // pixels at the range edges
        double eps = 0.1;
        LossGradient noisy = (in, labels) -> {
            assertThat(Math.abs(in.sub(x).amaxNumber().doubleValue())).isLessThanOrEqualTo(eps + 1e-7);
            assertThat(in.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(in.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
            return Nd4j.randn(random.nextLong(), in.shape()).castTo(DataType.DOUBLE);
        };
        Pgd pgd = new Pgd(eps, 0.03, 25, true);
        INDArray adv = pgd.attack(noisy, x, null, 7);
        assertThat(adv.sub(x).amaxNumber().doubleValue()).isLessThanOrEqualTo(eps + 1e-7);
        assertThat(adv.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(adv.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        // the random start is a function of the seed
        LossGradient zero = (in, labels) -> Nd4j.zeros(in.dataType(), in.shape());
        INDArray a = new Pgd(eps, 0.01, 1, true).attack(zero, x, null, 3);
        assertThat(new Pgd(eps, 0.01, 1, true).attack(zero, x, null, 3)).isEqualTo(a);
        assertThat(new Pgd(eps, 0.01, 1, true).attack(zero, x, null, 4)).isNotEqualTo(a);
    }

    @Test
    void refusesMeaninglessSettings() {
        assertThatThrownBy(() -> new Pgd(1.5, 0.1, 10, true)).hasMessage("eps must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new Pgd(0.1, 0, 10, true)).hasMessage("stepSize must be a finite number > 0, got 0.0");
        assertThatThrownBy(() -> new Pgd(0.1, 0.01, 0, true)).hasMessage("steps must be >= 1, got 0");
    }

    private static INDArray oneHot(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1);
        }
        return y;
    }

    /** d(summed loss)/dx by central differences; {@code score} returns the minibatch mean, as DL4J does. */
    private static void assertMatchesFiniteDifferences(LossGradient model, INDArray x, INDArray y,
                                                       java.util.function.Supplier<Double> meanScore) {
        FiniteDifferences.assertGradient(model.inputGradient(x, y).dup(), x, 7, () -> meanScore.get() * x.size(0));
    }

    /** The minibatch-mean training loss of {@code graph} (batch norm in training mode, as during an attack). */
    private static double trainingScore(ComputationGraph graph, INDArray x, INDArray y) {
        graph.setInputs(x);
        graph.setLabels(y);
        graph.computeGradientAndScore();
        return graph.score();
    }

    @Test
    void computationGraphInputGradientMatchesFiniteDifferencesAndLeavesTheNetworkAlone() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(1)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "conv")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray before = graph.params().dup();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, 5, 5);
        INDArray y = oneHot(3, 4);
        GraphLossGradient gradient = new GraphLossGradient(graph);
        assertMatchesFiniteDifferences(gradient, x, y, () -> trainingScore(graph, x, y));
        assertThat(graph.params()).isEqualTo(before);
        // the copy follows the source after syncFrom
        graph.params().muli(1.5);
        INDArray stale = gradient.inputGradient(x, y).dup();
        gradient.syncFrom(graph);
        assertThat(gradient.inputGradient(x, y)).isNotEqualTo(stale);
    }

    @Test
    void inputFeedingTwoBranchesWithBatchNormGetsTheSummedGradientWithWorkspacesOn() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.TANH).build(), "in")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.SIGMOID).build(), "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("bn", new BatchNormalization.Builder().build(), "sum")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 2, 5, 5);
        INDArray y = oneHot(4, 3);
        GraphLossGradient gradient = new GraphLossGradient(graph);
        assertMatchesFiniteDifferences(gradient, x, y, () -> trainingScore(graph, x, y));
        // a gradient is produced afresh on every call, also for another minibatch size
        INDArray two = x.get(NDArrayIndex.interval(0, 2)).dup();
        assertThat(gradient.inputGradient(two, y.get(NDArrayIndex.interval(0, 2)).dup()).shape())
                .containsExactly(2, 2, 5, 5);
    }

    @Test
    void multiLayerNetworkInputGradientMatchesFiniteDifferences() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(2).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 6);
        INDArray y = oneHot(4, 3);
        assertMatchesFiniteDifferences(new NetworkLossGradient(network), x, y, () -> {
            network.setInput(x);
            network.setLabels(y);
            network.computeGradientAndScore();
            return network.score();
        });
    }
}
