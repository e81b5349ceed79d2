package ai.synergy.evaluation;

import ai.synergy.nd4j.LayerHelpers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * A network as plain Java data (configuration JSON and a copy of the parameters) for broadcasting to executors.
 * Broadcasting this instead of a live INDArray avoids the trap of Spark closing AutoCloseable broadcast values and
 * freeing the driver's parameters (docs/architecture.md, "Known traps").
 *
 * @param configurationJson the graph configuration
 * @param parameters        the flattened parameters, in DL4J order
 */
public record ModelSnapshot(String configurationJson, float[] parameters) implements Serializable {

    /** Copies a network's configuration and parameters. */
    public static ModelSnapshot of(ComputationGraph graph) {
        return new ModelSnapshot(graph.getConfiguration().toJson(), graph.params().dup().toFloatVector());
    }

    /** A new network with these parameters (inference and training both work on it). */
    public ComputationGraph restore() {
        ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(configurationJson));
        graph.init(Nd4j.create(parameters, new long[]{1, parameters.length}, DataType.FLOAT), false);
        LayerHelpers.install(graph);
        return graph;
    }
}
