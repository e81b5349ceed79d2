package ai.synergy.adversarial;

import ai.synergy.nd4j.LayerHelpers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * dLoss/dInput of a {@link ComputationGraph}, which DL4J 1.0.0-M2.1 does not offer directly. A private copy of the
 * network gets an identity {@link InputGradientVertex} between its input and every consumer of it; that vertex copies
 * the input's gradient out of DL4J's workspaces during {@code computeGradientAndScore}. The copy keeps the source's
 * workspace modes, so a pass leaves no off-heap garbage behind (an earlier workspace-free copy allocated every
 * activation afresh per pass and grew an executor past 20 GB before the garbage collector freed it).
 * The copy takes the source's current parameters on {@link #syncFrom}, so one instance serves a network that keeps
 * training; the source itself is never touched. Batch norm runs in training mode (minibatch statistics), as in
 * DL4J's backward pass; the gradient is that of the minibatch's summed loss.
 */
public final class GraphLossGradient implements LossGradient {
    private static final String CAPTURE = "synergy_input_gradient";

    private final ComputationGraph copy;
    private final InputGradientVertex.Impl capture;
    private final Map<String, INDArray> copyParameters;

    /** A gradient source for networks of {@code source}'s configuration, starting at its current parameters. */
    public GraphLossGradient(ComputationGraph source) {
        ComputationGraphConfiguration conf = source.getConfiguration().clone();
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
        LayerHelpers.install(copy);
        this.capture = (InputGradientVertex.Impl) copy.getVertex(CAPTURE);
        this.copyParameters = copy.paramTable();
        if (!copyParameters.keySet().equals(source.paramTable().keySet())) {
            throw new IllegalStateException("gradient copy has parameters " + copyParameters.keySet() + ", source "
                    + source.paramTable().keySet());
        }
        syncFrom(source);
    }

    /** Takes over {@code source}'s current parameters (e.g. the worker's model before each minibatch). */
    public void syncFrom(ComputationGraph source) {
        Map<String, INDArray> from = source.paramTable();
        copyParameters.forEach((name, view) -> view.assign(from.get(name)));
    }

    /** The gradient, in a buffer this instance reuses: valid until the next call. */
    @Override
    public INDArray inputGradient(INDArray x, INDArray labels) {
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
