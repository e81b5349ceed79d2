package ai.synergy.jobs;

import ai.synergy.io.HadoopFiles;
import ai.synergy.config.InvalidInputException;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/** Driver side: starts a run from the parameters of a saved model ({@code train --init-model}). */
final class InitialModel {
    private InitialModel() {
    }

    /**
     * Copies every parameter of the model at {@code uri} into {@code target} by name; the two must have the same
     * parameters with the same shapes (the same architecture), otherwise an input error names the first difference.
     * The optimizer starts afresh.
     */
    static void copyParameters(HadoopFiles files, String uri, ComputationGraph target) throws IOException {
        Path path = HadoopFiles.path(uri);
        files.requireNonEmptyFile(path, "--init-model", " (expected a model.zip written by train)");
        ComputationGraph source;
        try {
            source = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(files.readBytes(path)), false);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("--init-model: " + path + " is not a readable DL4J model ("
                    + e.getMessage() + ")", e);
        }
        Map<String, INDArray> from = source.paramTable();
        Map<String, INDArray> to = target.paramTable();
        for (Map.Entry<String, INDArray> e : to.entrySet()) {
            INDArray value = from.get(e.getKey());
            if (value == null) {
                throw new InvalidInputException("--init-model: " + path + " has no parameter " + e.getKey()
                        + ": it is not a model of the architecture asked for (--model, --width, input shape)");
            }
            if (!Arrays.equals(value.shape(), e.getValue().shape())) {
                throw new InvalidInputException("--init-model: " + path + " parameter " + e.getKey() + " has shape "
                        + Arrays.toString(value.shape()) + ", this run's model needs "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        if (from.size() != to.size()) {
            throw new InvalidInputException("--init-model: " + path + " has " + from.size() + " parameter arrays, "
                    + "this run's model " + to.size() + ": another architecture");
        }
        to.forEach((name, view) -> view.assign(from.get(name)));
    }
}
