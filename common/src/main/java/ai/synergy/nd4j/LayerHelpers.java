package ai.synergy.nd4j;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Our DL4J layer helpers, put into a network in one call: {@link ChannelBatchNormHelper} into batch normalization
 * ({@link BatchNormHelpers}) and {@link OneDnnConvHelper} into convolutions ({@link ConvolutionHelpers}), each with its
 * system-property switch back to DL4J's own. Every network that trains or evaluates gets them, after {@code init()}:
 * new networks ({@code ResNets.create}), restored checkpoints, the executors' pooled networks, evaluation snapshots.
 */
public final class LayerHelpers {
    private LayerHelpers() {
    }

    /** Installs both helpers where DL4J put its own; returns how many layers changed. */
    public static int install(ComputationGraph graph) {
        return BatchNormHelpers.install(graph) + ConvolutionHelpers.install(graph);
    }
}
