package ai.synergy.evaluation;

import ai.synergy.sharding.ImageShard;
import ai.synergy.sharding.RoundBatches;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Iterator;
import java.util.List;

/** Executor side: scores every example of the partition's shards with the broadcast model. */
public final class EvaluateShard implements FlatMapFunction<Iterator<ImageShard>, TopKCounts> {
    private final Broadcast<ModelSnapshot> model;
    private final int batchSize;
    private final int numClasses;

    public EvaluateShard(Broadcast<ModelSnapshot> model, int batchSize, int numClasses) {
        this.model = model;
        this.batchSize = batchSize;
        this.numClasses = numClasses;
    }

    @Override
    public Iterator<TopKCounts> call(Iterator<ImageShard> shards) {
        ExecutorSetup.forCurrentTask();
        if (!shards.hasNext()) {
            return List.of(TopKCounts.EMPTY).iterator();
        }
        ComputationGraph graph = model.value().restore();
        TopKCounts total = TopKCounts.EMPTY;
        while (shards.hasNext()) {
            total = total.plus(score(graph, shards.next(), batchSize, numClasses));
        }
        return List.of(total).iterator();
    }

    /** Scores one shard in order, in minibatches of {@code batchSize} (the last one may be smaller). */
    public static TopKCounts score(ComputationGraph graph, ImageShard shard, int batchSize, int numClasses) {
        TopKCounts total = TopKCounts.EMPTY;
        for (int start = 0; start < shard.count(); start += batchSize) {
            int size = Math.min(batchSize, shard.count() - start);
            MultiDataSet batch = RoundBatches.Batches.of(shard, null, start, size, numClasses);
            INDArray probabilities = graph.outputSingle(false, batch.getFeatures(0));
            int[] labels = new int[size];
            for (int i = 0; i < size; i++) {
                labels[i] = shard.labels()[start + i] & 0xFF;
            }
            total = total.plus(TopKCounts.score(probabilities.reshape(probabilities.length()).toFloatVector(), numClasses, labels));
        }
        return total;
    }
}
