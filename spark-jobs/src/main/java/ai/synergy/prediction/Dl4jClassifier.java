package ai.synergy.prediction;

import ai.synergy.dks.HeadOutputs;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A DL4J network as a {@link Classifier}: its softmax output, or a deeply supervised training graph's main-head
 * softmax (its output concatenates the heads' logits).
 */
final class Dl4jClassifier implements Classifier {
    private final ComputationGraph graph;
    private final int classes;

    Dl4jClassifier(ComputationGraph graph, int classes) {
        this.graph = graph;
        this.classes = classes;
    }

    @Override
    public float[][] probabilities(float[] pixels, int images, int size) {
        int floats = images * 3 * size * size;
        INDArray x = Nd4j.create(pixels.length == floats ? pixels : Arrays.copyOf(pixels, floats),
                new long[]{images, 3, size, size}, DataType.FLOAT);
        INDArray output = graph.outputSingle(false, x);
        long width = output.size(1);
        if (width != classes) {
            if (width % classes != 0) {
                throw new IllegalStateException("network output width " + width + " is not a multiple of " + classes
                        + " classes");
            }
            output = HeadOutputs.softmaxPerHead(output, (int) (width / classes), classes)[0];
        }
        return output.castTo(DataType.FLOAT).toFloatMatrix();
    }

    @Override
    public void close() {
        // heap-held parameters: nothing to free
    }
}
