package ai.synergy.adversarial;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A {@link ComputationGraph} under attack: each gradient copy ({@link GraphLossGradient}, {@link GraphLogitsGradient})
 * is built the first time an attack asks for it and kept, at the graph's parameters as they were then.
 */
public final class AttackedGraph implements AttackedModel {
    private final ComputationGraph graph;
    private GraphLossGradient lossGradient;
    private GraphLogitsGradient logitsGradient;

    public AttackedGraph(ComputationGraph graph) {
        this.graph = graph;
    }

    @Override
    public LossGradient lossGradient() {
        if (lossGradient == null) {
            lossGradient = new GraphLossGradient(graph);
        }
        return lossGradient;
    }

    @Override
    public LogitsGradient logitsGradient() {
        if (logitsGradient == null) {
            logitsGradient = new GraphLogitsGradient(graph);
        }
        return logitsGradient;
    }
}
