package ai.synergy.adversarial;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * dLoss/dInput of a {@link ComputationGraph}, which DL4J 1.0.0-M2.1 does not offer directly: a private copy of the
 * network with workspaces off (so the input vertex's epsilon outlives the backward pass) runs
 * {@code computeGradientAndScore} and a listener copies the input's epsilon. The copy takes the source's current
 * parameters on {@link #syncFrom}, so one instance serves a network that keeps training. Batch norm runs in training
 * mode (minibatch statistics), as in DL4J's backward pass; the gradient is that of the minibatch's summed loss.
 */
public final class GraphLossGradient implements LossGradient {
    private final ComputationGraph copy;
    private final String input;
    private INDArray captured;

    /** A gradient source for networks of {@code source}'s configuration, starting at its current parameters. */
    public GraphLossGradient(ComputationGraph source) {
        ComputationGraphConfiguration conf = source.getConfiguration().clone();
        conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
        conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
        this.copy = new ComputationGraph(conf);
        this.copy.init(source.params().dup(), false);
        this.input = conf.getNetworkInputs().get(0);
        this.copy.setListeners(new BaseTrainingListener() {
            @Override
            public void onBackwardPass(Model model) {
                captured = ((ComputationGraph) model).getVertex(input).getEpsilon().dup();
            }
        });
    }

    /** Takes over {@code source}'s current parameters (e.g. the worker's model before each minibatch). */
    public void syncFrom(ComputationGraph source) {
        copy.params().assign(source.params());
    }

    @Override
    public INDArray inputGradient(INDArray x, INDArray labels) {
        captured = null;
        copy.setInputs(x);
        copy.setLabels(labels);
        copy.computeGradientAndScore();
        if (captured == null) {
            throw new IllegalStateException("no input gradient was produced for vertex '" + input + "'");
        }
        return captured;
    }
}
