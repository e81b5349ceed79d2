package ai.synergy.adversarial;

import ai.synergy.nd4j.BatchNormHelpers;
import ai.synergy.nd4j.ConvolutionHelpers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A private copy of a single-input graph with an identity {@link InputGradientVertex} between its input and every
 * consumer of it; that vertex copies the input's gradient out of DL4J's workspaces during
 * {@code computeGradientAndScore}. The copy keeps the source's workspace modes, so a pass leaves no off-heap garbage
 * behind (an earlier workspace-free copy allocated every activation afresh per pass and grew an executor past 20 GB
 * before the garbage collector freed it). It takes the source's current parameters on {@link #syncFrom}; the source
 * itself is never touched.
 */
final class InputGradientGraph {
    private static final String CAPTURE = "synergy_input_gradient";

    private final ComputationGraph copy;
    private final InputGradientVertex.Impl capture;
    private final Map<String, INDArray> copyParameters;

    /**
     * A copy of {@code source}'s configuration after {@code adapt} (which may change the clone it is given, e.g. the
     * output layer's loss), at {@code source}'s current parameters. Batch norm runs in training mode (minibatch
     * statistics, as in DL4J's backward pass) or, with {@code inferenceBatchNorm}, with the running statistics
     * ({@link BatchNormHelpers#installInference}).
     */
    InputGradientGraph(ComputationGraph source, UnaryOperator<ComputationGraphConfiguration> adapt,
                       boolean inferenceBatchNorm) {
        ComputationGraphConfiguration conf = adapt.apply(source.getConfiguration().clone());
        if (conf.getNetworkInputs().size() != 1) {
            throw new IllegalArgumentException("input gradients need a single-input graph, got inputs "
                    + conf.getNetworkInputs());
        }
        String input = conf.getNetworkInputs().get(0);
        for (List<String> inputs : conf.getVertexInputs().values()) {
            inputs.replaceAll(name -> name.equals(input) ? CAPTURE : name);
        }
        conf.getVertices().put(CAPTURE, new InputGradientVertex());
        conf.getVertexInputs().put(CAPTURE, new ArrayList<>(List.of(input)));
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        this.copy = new ComputationGraph(conf);
        this.copy.init();
        if (inferenceBatchNorm) {
            BatchNormHelpers.installInference(copy);
        } else {
            BatchNormHelpers.install(copy);
        }
        ConvolutionHelpers.install(copy);
        this.capture = (InputGradientVertex.Impl) copy.getVertex(CAPTURE);
        this.copyParameters = copy.paramTable();
        if (!copyParameters.keySet().equals(source.paramTable().keySet())) {
            throw new IllegalStateException("gradient copy has parameters " + copyParameters.keySet() + ", source "
                    + source.paramTable().keySet());
        }
        syncFrom(source);
    }

    /** The copy (for reading its layers; its parameters follow the source through {@link #syncFrom}). */
    ComputationGraph graph() {
        return copy;
    }

    /**
     * Takes over {@code source}'s current parameters and DL4J's iteration and epoch counters (which schedules such as
     * dropout's read), so that a copy reused across rounds computes what one freshly built from the source would.
     */
    void syncFrom(ComputationGraph source) {
        Map<String, INDArray> from = source.paramTable();
        copyParameters.forEach((name, view) -> view.assign(from.get(name)));
        copy.getConfiguration().setIterationCount(source.getConfiguration().getIterationCount());
        copy.getConfiguration().setEpochCount(source.getConfiguration().getEpochCount());
    }

    /**
     * One forward and backward pass of the copy's loss at {@code x}: the gradient of the minibatch's summed loss with
     * respect to {@code x}, in a buffer reused by the next call.
     */
    INDArray inputGradient(INDArray x, INDArray labels) {
        copy.setInputs(x);
        copy.setLabels(labels);
        copy.computeGradientAndScore();
        INDArray gradient = capture.lastGradient();
        if (gradient == null) {
            throw new IllegalStateException("no input gradient was produced (does the loss depend on the input?)");
        }
        return gradient;
    }
}
