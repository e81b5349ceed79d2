package ai.synergy.prediction;

/**
 * Executor side (and the driver's input check): a network that turns preprocessed images into class probabilities,
 * whatever runs it: DL4J ({@link Dl4jClassifier}) or ONNX Runtime ({@link OnnxClassifier}). Not thread-safe: one
 * task uses one at a time; {@link ImageScorer}'s pool hands them out and closes the ones it drops.
 */
interface Classifier extends AutoCloseable {
    /**
     * Class probabilities of {@code images} images, one row each.
     *
     * @param pixels float32 NCHW pixels in [0, 1], 3 channels of {@code size} x {@code size}; only the first
     *               {@code images * 3 * size * size} values are read
     */
    float[][] probabilities(float[] pixels, int images, int size);

    /** Frees what the network holds outside the heap (ONNX Runtime's session); no checked exception. */
    @Override
    void close();
}
