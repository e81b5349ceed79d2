package ai.synergy.adversarial;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Collections;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The logits and input gradients APGD takes from a DL4J graph are those of the network as it is evaluated (batch norm
 * with its running statistics), checked against the source network's own inference pass and finite differences.
 */
class GraphLogitsGradientTest {

    /** A ResNet-8 of width 1/4 on 1x16x16 inputs whose batch-norm statistics have moved away from 0 and 1. */
    private static ComputationGraph smallResNet() {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 0.25, 1, 16, 16, 10,
                Collections.nCopies(1, 0.5), Collections.nCopies(1, 0.25), 7);
        ComputationGraph graph = ResNets.create(spec, new OptimizerSpec(0.1, 0.9, 0));
        for (int i = 0; i < 3; i++) {
            graph.fit(new INDArray[]{Nd4j.rand(DataType.FLOAT, 16, 1, 16, 16)},
                    new INDArray[]{ApgdTest.oneHot(new int[]{i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5}, 10)
                            .castTo(DataType.FLOAT)});
        }
        return graph;
    }

    @Test
    void logitsAreThoseOfTheSourcesInferencePassBitForBit() {
        ComputationGraph graph = smallResNet();
        INDArray before = graph.params().dup();
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 16, 16);
        GraphLogitsGradient copy = new GraphLogitsGradient(graph);
        LogitsGradient.Pass pass = copy.pass(x, Apgd.Loss.CE.bind(new int[]{0, 1, 2, 3, 4, 5}, null));

        // the output layer's pre-activations: the pooled features times its weights plus its bias
        Map<String, INDArray> activations = graph.feedForward(x, false);
        INDArray expected = activations.get("pool").mmul(graph.getParam(ResNets.OUTPUT + "_W"))
                .addRowVector(graph.getParam(ResNets.OUTPUT + "_b"));
        assertThat(pass.logits().ravel().toDoubleVector())
                .containsExactly(expected.ravel().toDoubleVector(), within(1e-5));
        // softmax of the copy's logits is the source's evaluated output exactly: the same numbers went in
        assertThat(Transforms.softmax(pass.logits(), true)).isEqualTo(graph.outputSingle(false, x));
        // the source is untouched
        assertThat(graph.params()).isEqualTo(before);
        BaseOutputLayer output = (BaseOutputLayer) graph.getOutputLayer(0).conf().getLayer();
        assertThat(output.getLossFn()).isInstanceOf(LossMCXENT.class);
        // with the minibatch's statistics the logits would be others
        INDArray batchStatistics = graph.feedForward(x, true).get("pool").mmul(graph.getParam(ResNets.OUTPUT + "_W"))
                .addRowVector(graph.getParam(ResNets.OUTPUT + "_b"));
        assertThat(batchStatistics.sub(pass.logits()).amaxNumber().doubleValue()).isGreaterThan(1e-2);
    }

    @Test
    void dlrInputGradientMatchesFiniteDifferencesOfTheEvaluatedNetwork() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(5)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(5, 5, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(),
                        "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addLayer("act", new ActivationLayer.Builder()
                        .activation(Activation.TANH).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "act")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        // running statistics and scale far from a fresh layer's, so batch statistics would give other gradients
        graph.getParam("bn_mean").assign(Nd4j.createFromArray(0.3, -0.2, 0.5, 0.1));
        INDArray spread = Nd4j.createFromArray(0.5, 2.0, 1.5, 0.8);
        graph.getParam(graph.paramTable().containsKey("bn_var") ? "bn_var" : "bn_log10stdev")
                .assign(graph.paramTable().containsKey("bn_var") ? spread.mul(spread) : Transforms.log(spread, 10));
        graph.getParam("bn_gamma").assign(Nd4j.createFromArray(1.5, -0.7, 0.9, 2.0));
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, 5, 5);
        int[] labels = {0, 3, 4};
        LogitLoss dlr = Apgd.Loss.DLR.bind(labels, null);
        INDArray analytic = new GraphLogitsGradient(graph).pass(x, dlr).inputGradient().dup();
        FiniteDifferences.assertGradient(analytic, x, 5, () -> summed(dlr, graph, x));
    }

    /** Sum of the loss over the source's inference logits (pooled features times the output weights, plus bias). */
    private static double summed(LogitLoss loss, ComputationGraph graph, INDArray x) {
        INDArray logits = graph.feedForward(x, false).get("pool").mmul(graph.getParam("out_W"))
                .addRowVector(graph.getParam("out_b"));
        double sum = 0;
        for (double v : loss.values(logits)) {
            sum += v;
        }
        return sum;
    }

    @Test
    void apgdOnASmallResNetStaysInTheBallAndWhatItBreaksTheSourceMisclassifies() {
        ComputationGraph graph = smallResNet();
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 16, 16);
        x.putScalar(new long[]{0, 0, 0, 0}, 0f).putScalar(new long[]{0, 0, 0, 1}, 1f);
        INDArray predicted = graph.outputSingle(false, x).argMax(1);
        int[] labels = predicted.toIntVector();
        double eps = 0.03;
        GraphLogitsGradient copy = new GraphLogitsGradient(graph);
        int[] passes = {0};
        LogitsGradient checking = (in, loss) -> {
            passes[0]++;
            assertThat(in.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
            assertThat(in.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
            if (in.size(0) == x.size(0)) {
                assertThat(in.sub(x).amaxNumber().doubleValue()).isLessThanOrEqualTo(eps + 1e-6);
            }
            return copy.pass(in, loss);
        };
        for (Apgd.Loss loss : new Apgd.Loss[]{Apgd.Loss.CE, Apgd.Loss.DLR}) {
            Apgd.Outcome outcome = new Apgd(eps, 5, loss, 1).run(checking, x, labels, 11, new boolean[8]);
            INDArray adv = outcome.adversarial();
            assertThat(adv.sub(x).amaxNumber().doubleValue()).isLessThanOrEqualTo(eps + 1e-6);
            int[] scored = graph.outputSingle(false, adv).argMax(1).toIntVector();
            int broken = 0;
            for (int i = 0; i < labels.length; i++) {
                assertThat(scored[i] != labels[i]).as("%s example %d", loss, i).isEqualTo(!outcome.robust()[i]);
                broken += outcome.robust()[i] ? 0 : 1;
            }
            assertThat(broken).as("%s breaks some examples", loss).isGreaterThan(0);
        }
        assertThat(passes[0]).isEqualTo(2 * (1 + 1 + 5));
    }

    @Test
    void refusesNetworksWhoseTrainingPassIsNotTheEvaluatedFunctionOrThatHaveNoSoftmaxOutput() {
        ComputationGraph dropout = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(4))
                .addLayer("dense", new DenseLayer.Builder().nOut(3).dropOut(0.5).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build());
        dropout.init();
        assertThatThrownBy(() -> new GraphLogitsGradient(dropout)).hasMessageContaining("dropout");
        ComputationGraph regression = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(4))
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build(), "in")
                .setOutputs("out").build());
        regression.init();
        assertThatThrownBy(() -> new GraphLogitsGradient(regression)).hasMessageContaining("softmax output layer");
    }
}
