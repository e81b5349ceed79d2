package ai.synergy.sharding;

import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Executor side: the minibatches one worker trains on in one averaging round. The shard is reshuffled every epoch by
 * a permutation derived from (seed, epoch, shard), and the round takes minibatches
 * {@code [firstBatch, firstBatch + numBatches)} of it, so every worker gets the same number of minibatches and a
 * resumed run sees exactly the batches the interrupted one would have seen.
 */
public final class RoundBatches implements FlatMapFunction<Iterator<ImageShard>, MultiDataSet> {
    private final long seed;
    private final int epoch;
    private final int firstBatch;
    private final int numBatches;
    private final int batchSize;
    private final int numClasses;

    public RoundBatches(long seed, int epoch, int firstBatch, int numBatches, int batchSize, int numClasses) {
        this.seed = seed;
        this.epoch = epoch;
        this.firstBatch = firstBatch;
        this.numBatches = numBatches;
        this.batchSize = batchSize;
        this.numClasses = numClasses;
    }

    @Override
    public Iterator<MultiDataSet> call(Iterator<ImageShard> shards) {
        ExecutorSetup.forCurrentTask();
        if (!shards.hasNext()) {
            return java.util.Collections.emptyIterator();
        }
        ImageShard shard = shards.next();
        int[] order = EpochPermutation.of(shard.count(), seed, epoch, shard.index());
        return new Iterator<>() {
            private int next = 0;

            @Override
            public boolean hasNext() {
                return next < numBatches && (firstBatch + next + 1) * batchSize <= shard.count();
            }

            @Override
            public MultiDataSet next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int start = (firstBatch + next++) * batchSize;
                return Batches.of(shard, order, start, batchSize, numClasses);
            }
        };
    }

    /** Minibatch assembly shared by training and evaluation. */
    public static final class Batches {
        private Batches() {
        }

        /** Features scaled to [0, 1] as float NCHW, labels one-hot. */
        public static MultiDataSet of(ImageShard shard, int[] order, int start, int size, int numClasses) {
            int imageSize = shard.imageSize();
            float[] features = new float[size * imageSize];
            float[] labels = new float[size * numClasses];
            byte[] pixels = shard.pixels();
            for (int i = 0; i < size; i++) {
                int example = order == null ? start + i : order[start + i];
                int src = example * imageSize;
                int dst = i * imageSize;
                for (int j = 0; j < imageSize; j++) {
                    features[dst + j] = (pixels[src + j] & 0xFF) / 255f;
                }
                labels[i * numClasses + (shard.labels()[example] & 0xFF)] = 1f;
            }
            INDArray f = Nd4j.create(features, new long[]{size, shard.channels(), shard.height(), shard.width()},
                    DataType.FLOAT);
            INDArray l = Nd4j.create(labels, new long[]{size, numClasses}, DataType.FLOAT);
            return new org.nd4j.linalg.dataset.MultiDataSet(f, l);
        }
    }
}
