package ai.synergy.dataset;

import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Executor side: builds minibatches of one worker's share, as float NCHW features in [0, 1] and one-hot labels. */
public interface BatchSource extends AutoCloseable {

    /**
     * A training minibatch of examples {@code order[start .. start + size)}, augmented with randomness derived from
     * {@code epochSeed} and each example's position in the epoch (the same seed gives the same batch on any thread).
     */
    MultiDataSet trainingBatch(int[] order, int start, int size, long epochSeed);

    /** An evaluation minibatch of examples {@code start .. start + size - 1} in stored order, not augmented. */
    MultiDataSet evaluationBatch(int start, int size);

    /** The label of example {@code example}. */
    int label(int example);

    @Override
    void close();
}
