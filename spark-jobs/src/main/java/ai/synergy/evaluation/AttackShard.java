package ai.synergy.evaluation;

import ai.synergy.adversarial.Attack;
import ai.synergy.adversarial.AttackedGraph;
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

import java.util.Iterator;
import java.util.List;

/**
 * Executor side: scores every example of the partition's shares naturally and after an attack made against the
 * broadcast model itself (white box), minibatch by minibatch. The random starts of each minibatch's attack are seeded
 * by (seed, worker, first example), so results do not depend on scheduling.
 */
public final class AttackShard implements FlatMapFunction<Iterator<WorkerShard>, RobustCounts> {
    private final Broadcast<ModelSnapshot> model;
    private final int batchSize;
    private final BatchSpec spec;
    private final Attack attack;
    private final long seed;

    public AttackShard(Broadcast<ModelSnapshot> model, int batchSize, BatchSpec spec, Attack attack, long seed) {
        this.model = model;
        this.batchSize = batchSize;
        this.spec = spec;
        this.attack = attack;
        this.seed = seed;
    }

    @Override
    public Iterator<RobustCounts> call(Iterator<WorkerShard> shards) {
        ExecutorSetup.forCurrentTask();
        ComputationGraph graph = model.value().restore();
        AttackedGraph attacked = new AttackedGraph(graph);
        RobustCounts total = RobustCounts.EMPTY;
        while (shards.hasNext()) {
            WorkerShard shard = shards.next();
            total = total.plus(ComputeThreads.get(() -> attackShard(graph, attacked, shard)));
        }
        return List.of(total).iterator();
    }

    private RobustCounts attackShard(ComputationGraph graph, AttackedGraph attacked, WorkerShard shard) {
        RobustCounts total = RobustCounts.EMPTY;
        try (BatchSource source = shard.open(spec)) {
            for (int start = 0; start < shard.count(); start += batchSize) {
                int size = Math.min(batchSize, shard.count() - start);
                MultiDataSet batch = source.evaluationBatch(start, size);
                INDArray x = batch.getFeatures(0);
                INDArray adversarial = attack.attack(attacked, x, batch.getLabels(0),
                        seed * 1_000_003L + shard.index() * 7_919L + start);
                int[] labels = new int[size];
                for (int i = 0; i < size; i++) {
                    labels[i] = source.label(start + i);
                }
                total = total.plus(new RobustCounts(score(graph, x, labels), score(graph, adversarial, labels)));
            }
        }
        return total;
    }

    private TopKCounts score(ComputationGraph graph, INDArray x, int[] labels) {
        INDArray probabilities = graph.outputSingle(false, x);
        if (probabilities.size(1) != spec.numClasses()) {
            throw new IllegalStateException("attacks are evaluated on single-head models (the exported model.zip); "
                    + "this network has " + probabilities.size(1) + " outputs for " + spec.numClasses() + " classes");
        }
        return TopKCounts.score(probabilities, spec.numClasses(), labels);
    }
}
