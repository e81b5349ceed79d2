package ai.synergy.prediction;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An ONNX file as a {@link Classifier}, run by ONNX Runtime on the CPU with as many intra-op threads as the task has
 * cores. The file is {@code synergy export}'s contract: one input, float32 [batch, C, H, W] pixels in [0, 1], one
 * output, float32 [batch, classes] probabilities. Other files are accepted when they keep that contract.
 *
 * <p>ONNX Runtime is not in the application jar (93 MB of natives for every platform): this class is only loaded
 * once {@code ScoringNetwork.requireOnnxRuntime} found the runtime on the classpath.
 */
final class OnnxClassifier implements Classifier {
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final String input;
    private final long[] inputShape;
    private final long[] outputShape;

    private OnnxClassifier(OrtEnvironment environment, OrtSession session) throws OrtException {
        this.environment = environment;
        this.session = session;
        if (session.getNumInputs() != 1 || session.getNumOutputs() != 1) {
            throw new IllegalArgumentException("the graph has " + session.getNumInputs() + " inputs and "
                    + session.getNumOutputs() + " outputs; scoring needs one image input and one probability output");
        }
        this.input = session.getInputNames().iterator().next();
        this.inputShape = tensorShape(session.getInputInfo().get(input), "input");
        this.outputShape = tensorShape(session.getOutputInfo().values().iterator().next(), "output");
        if (inputShape.length != 4 || outputShape.length != 2) {
            throw new IllegalArgumentException("the graph takes a rank-" + inputShape.length + " input and gives a "
                    + "rank-" + outputShape.length + " output; scoring needs [batch, C, H, W] -> [batch, classes]");
        }
    }

    /**
     * A session on the serialized model {@code model} with {@code threads} intra-op threads; a file ONNX Runtime
     * cannot load, or one that breaks the contract, is refused naming {@code name}.
     */
    static OnnxClassifier open(String name, byte[] model, int threads) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            OrtSession session = environment.createSession(model, options);
            try {
                return new OnnxClassifier(environment, session);
            } catch (RuntimeException | OrtException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new IllegalArgumentException(name + ": ONNX Runtime cannot load it: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static long[] tensorShape(NodeInfo node, String what) {
        if (!(node.getInfo() instanceof TensorInfo tensor)) {
            throw new IllegalArgumentException("the graph's " + what + " '" + node.getName() + "' is not a tensor");
        }
        return tensor.getShape();
    }

    /** The input's [batch, C, H, W]; a dynamic dimension is -1. */
    long[] inputShape() {
        return inputShape.clone();
    }

    /** The output's [batch, classes]; a dynamic dimension is -1. */
    long[] outputShape() {
        return outputShape.clone();
    }

    /** The model's {@code metadata_props}. */
    Map<String, String> metadata() {
        try {
            return session.getMetadata().getCustomMetadata();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: reading the metadata: " + e.getMessage(), e);
        }
    }

    @Override
    public float[][] probabilities(float[] pixels, int images, int size) {
        long[] shape = {images, 3, size, size};
        try (OnnxTensor x = OnnxTensor.createTensor(environment,
                FloatBuffer.wrap(pixels, 0, images * 3 * size * size), shape);
             OrtSession.Result result = session.run(Map.of(input, x))) {
            return (float[][]) result.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: closing the session: " + e.getMessage(), e);
        }
    }
}
