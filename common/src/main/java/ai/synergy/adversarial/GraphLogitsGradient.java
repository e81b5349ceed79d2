package ai.synergy.adversarial;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Logits and input gradients of any {@link LogitLoss} for a {@link ComputationGraph} with one softmax output layer
 * (the project's exported ResNets), as the network is evaluated: a private copy ({@link InputGradientGraph}) whose
 * output layer's loss is a {@link LogitLossFunction} and whose batch-norm layers use their running statistics in the
 * training pass DL4J differentiates ({@link ai.synergy.nd4j.InferenceBatchNormHelper}). One
 * {@code computeGradientAndScore} gives both the logits (the output layer's pre-softmax activations) and the input
 * gradient. The source is never touched. Networks with dropout are refused (their training pass is not the
 * evaluated function).
 */
public final class GraphLogitsGradient implements LogitsGradient {
    private final InputGradientGraph copy;
    private final LogitLossFunction loss;
    private final long classes;
    private INDArray placeholderLabels;

    /** Gradients of {@code source} at its current parameters. */
    public GraphLogitsGradient(ComputationGraph source) {
        this.copy = new InputGradientGraph(source, GraphLogitsGradient::withLogitLoss, true);
        ComputationGraph graph = copy.graph();
        BaseOutputLayer output = (BaseOutputLayer) graph.getOutputLayer(0).conf().getLayer();
        this.loss = (LogitLossFunction) output.getLossFn();
        this.classes = output.getNOut();
    }

    /** Takes over {@code source}'s current parameters. */
    public void syncFrom(ComputationGraph source) {
        copy.syncFrom(source);
    }

    @Override
    public Pass pass(INDArray x, LogitLoss value) {
        loss.use(value);
        INDArray gradient = copy.inputGradient(x, labels(x.size(0), x));
        return new Pass(loss.lastLogits(), gradient);
    }

    /** DL4J needs labels of the output's shape; the attack loss carries its own. */
    private INDArray labels(long examples, INDArray like) {
        if (placeholderLabels == null || placeholderLabels.size(0) != examples
                || placeholderLabels.dataType() != like.dataType()) {
            placeholderLabels = Nd4j.zeros(like.dataType(), examples, classes);
        }
        return placeholderLabels;
    }

    /** The clone {@code conf} with a {@link LogitLossFunction} in its one softmax output layer. */
    private static ComputationGraphConfiguration withLogitLoss(ComputationGraphConfiguration conf) {
        if (conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("logit losses need a single-output graph, got outputs "
                    + conf.getNetworkOutputs());
        }
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex layer && layer.getLayerConf().getLayer().getIDropout() != null) {
                throw new IllegalArgumentException("layer " + layer.getLayerConf().getLayer().getLayerName()
                        + " has dropout: its training pass is not the function that is evaluated");
            }
        }
        String name = conf.getNetworkOutputs().get(0);
        Layer layer = conf.getVertices().get(name) instanceof LayerVertex vertex ? vertex.getLayerConf().getLayer()
                : null;
        if (!(layer instanceof BaseOutputLayer output && output.getActivationFn() instanceof ActivationSoftmax)) {
            throw new IllegalArgumentException("logit losses need a softmax output layer, got " + layer
                    + " at output " + name);
        }
        output.setLossFn(new LogitLossFunction());
        return conf;
    }
}
