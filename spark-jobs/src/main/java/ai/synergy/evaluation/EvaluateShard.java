package ai.synergy.evaluation;

import ai.synergy.sharding.BatchSource;
import ai.synergy.sharding.BatchSpec;
import ai.synergy.sharding.WorkerShard;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Iterator;
import java.util.List;

/** Executor side: scores every example of the partition's shares with the broadcast model. */
public final class EvaluateShard implements FlatMapFunction<Iterator<WorkerShard>, TopKCounts> {
    private final Broadcast<ModelSnapshot> model;
    private final int batchSize;
    private final BatchSpec spec;

    public EvaluateShard(Broadcast<ModelSnapshot> model, int batchSize, BatchSpec spec) {
        this.model = model;
        this.batchSize = batchSize;
        this.spec = spec;
    }

    @Override
    public Iterator<TopKCounts> call(Iterator<WorkerShard> shards) {
        ExecutorSetup.forCurrentTask();
        if (!shards.hasNext()) {
            return List.of(TopKCounts.EMPTY).iterator();
        }
        ComputationGraph graph = model.value().restore();
        TopKCounts total = TopKCounts.EMPTY;
        while (shards.hasNext()) {
            total = total.plus(score(graph, shards.next(), batchSize, spec));
        }
        return List.of(total).iterator();
    }

    /** Scores one share in stored order, in minibatches of {@code batchSize} (the last one may be smaller). */
    public static TopKCounts score(ComputationGraph graph, WorkerShard shard, int batchSize, BatchSpec spec) {
        TopKCounts total = TopKCounts.EMPTY;
        try (BatchSource source = shard.open(spec)) {
            for (int start = 0; start < shard.count(); start += batchSize) {
                int size = Math.min(batchSize, shard.count() - start);
                MultiDataSet batch = source.evaluationBatch(start, size);
                INDArray probabilities = graph.outputSingle(false, batch.getFeatures(0));
                int[] labels = new int[size];
                for (int i = 0; i < size; i++) {
                    labels[i] = source.label(start + i);
                }
                total = total.plus(TopKCounts.score(probabilities.reshape(probabilities.length()).toFloatVector(),
                        spec.numClasses(), labels));
            }
        }
        return total;
    }
}
