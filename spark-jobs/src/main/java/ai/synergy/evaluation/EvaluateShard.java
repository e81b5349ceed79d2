package ai.synergy.evaluation;

import ai.synergy.dks.HeadOutputs;
import ai.synergy.dataset.BatchSource;
import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.WorkerShard;
import ai.synergy.spark.ComputeThreads;
import ai.synergy.spark.ExecutorSetup;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Executor side: scores every example of the partition's shares with the broadcast model. A plain network's output is
 * class probabilities; a deeply supervised training graph's is the concatenated logits of its heads, scored head by
 * head and as an ensemble. Each share is scored on one of this JVM's {@link ComputeThreads}.
 */
public final class EvaluateShard implements FlatMapFunction<Iterator<WorkerShard>, HeadCounts> {
    private final Broadcast<ModelSnapshot> model;
    private final int batchSize;
    private final BatchSpec spec;

    public EvaluateShard(Broadcast<ModelSnapshot> model, int batchSize, BatchSpec spec) {
        this.model = model;
        this.batchSize = batchSize;
        this.spec = spec;
    }

    @Override
    public Iterator<HeadCounts> call(Iterator<WorkerShard> shards) {
        ExecutorSetup.forCurrentTask();
        if (!shards.hasNext()) {
            return List.<HeadCounts>of().iterator();
        }
        ComputationGraph graph = model.value().restore();
        HeadCounts total = null;
        while (shards.hasNext()) {
            WorkerShard shard = shards.next();
            HeadCounts counts = ComputeThreads.get(() -> score(graph, shard, batchSize, spec));
            total = total == null ? counts : total.plus(counts);
        }
        return List.of(total).iterator();
    }

    /** Scores one share in stored order, in minibatches of {@code batchSize} (the last one may be smaller). */
    public static HeadCounts score(ComputationGraph graph, WorkerShard shard, int batchSize, BatchSpec spec) {
        int classes = spec.numClasses();
        HeadCounts total = null;
        try (BatchSource source = shard.open(spec)) {
            for (int start = 0; start < shard.count(); start += batchSize) {
                int size = Math.min(batchSize, shard.count() - start);
                MultiDataSet batch = source.evaluationBatch(start, size);
                INDArray output = graph.outputSingle(false, batch.getFeatures(0));
                int[] labels = new int[size];
                for (int i = 0; i < size; i++) {
                    labels[i] = source.label(start + i);
                }
                HeadCounts counts = output.size(1) == classes
                        ? new HeadCounts(List.of(TopKCounts.score(output, classes, labels)), TopKCounts.EMPTY)
                        : scoreHeads(output, classes, labels);
                total = total == null ? counts : total.plus(counts);
            }
        }
        return total;
    }

    private static HeadCounts scoreHeads(INDArray logits, int classes, int[] labels) {
        if (logits.size(1) % classes != 0) {
            throw new IllegalStateException("network output width " + logits.size(1) + " is not a multiple of "
                    + classes + " classes");
        }
        int heads = (int) (logits.size(1) / classes);
        INDArray[] probabilities = HeadOutputs.softmaxPerHead(logits, heads, classes);
        List<TopKCounts> perHead = new ArrayList<>(heads);
        for (INDArray p : probabilities) {
            perHead.add(TopKCounts.score(p, classes, labels));
        }
        return new HeadCounts(perHead, TopKCounts.score(HeadOutputs.ensemble(logits, heads, classes), classes, labels));
    }
}
