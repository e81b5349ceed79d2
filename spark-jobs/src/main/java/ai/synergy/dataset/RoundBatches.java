package ai.synergy.dataset;

import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.TaskCompletionListener;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Executor side: the minibatches one worker trains on in one averaging round. The worker's share is reshuffled every
 * epoch by a permutation derived from (seed, epoch, worker), and the round takes minibatches
 * {@code [firstBatch, firstBatch + numBatches)} of it, so every worker gets the same number of minibatches and a
 * resumed run sees exactly the batches (and augmentations) the interrupted one would have seen.
 */
public final class RoundBatches implements FlatMapFunction<Iterator<WorkerShard>, MultiDataSet> {
    private final long seed;
    private final int epoch;
    private final int firstBatch;
    private final int numBatches;
    private final int batchSize;
    private final BatchSpec spec;

    public RoundBatches(long seed, int epoch, int firstBatch, int numBatches, int batchSize, BatchSpec spec) {
        this.seed = seed;
        this.epoch = epoch;
        this.firstBatch = firstBatch;
        this.numBatches = numBatches;
        this.batchSize = batchSize;
        this.spec = spec;
    }

    @Override
    public Iterator<MultiDataSet> call(Iterator<WorkerShard> shards) {
        ExecutorSetup.forCurrentTask();
        if (!shards.hasNext()) {
            return Collections.emptyIterator();
        }
        WorkerShard shard = shards.next();
        int[] order = EpochPermutation.of(shard.count(), seed, epoch, shard.index());
        long epochSeed = EpochPermutation.streamSeed(seed, epoch, shard.index());
        BatchSource source = shard.open(spec);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> source.close());
        }
        return new Iterator<>() {
            private int next = 0;

            @Override
            public boolean hasNext() {
                boolean more = next < numBatches && (firstBatch + next + 1) * batchSize <= shard.count();
                if (!more && task == null) {
                    source.close();
                }
                return more;
            }

            @Override
            public MultiDataSet next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int start = (firstBatch + next++) * batchSize;
                return source.trainingBatch(order, start, batchSize, epochSeed);
            }
        };
    }
}
