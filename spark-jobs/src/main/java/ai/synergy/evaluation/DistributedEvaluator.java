package ai.synergy.evaluation;

import ai.synergy.adversarial.Attack;
import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.WorkerShard;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Driver side: top-1/top-5 of a network on a data set held on the executors. The network travels as a
 * {@link ModelSnapshot} broadcast (never the live parameter array; DL4J's {@code calculateScore} trap), every
 * partition scores its own shards, and only the counts come back.
 */
public final class DistributedEvaluator {
    private DistributedEvaluator() {
    }

    /** Scores {@code graph} (each of its heads) on every example of {@code shards}. */
    public static HeadCounts evaluate(JavaSparkContext jsc, ComputationGraph graph, JavaRDD<WorkerShard> shards,
                                      int batchSize, BatchSpec spec) {
        Broadcast<ModelSnapshot> model = jsc.broadcast(ModelSnapshot.of(graph));
        try {
            return shards.mapPartitions(new EvaluateShard(model, batchSize, spec)).reduce(HeadCounts::plus);
        } finally {
            model.destroy();
        }
    }

    /** Natural and adversarial accuracy of {@code graph} on {@code shards}, attacks made on the executors. */
    public static RobustCounts evaluateUnderAttack(JavaSparkContext jsc, ComputationGraph graph,
                                                   JavaRDD<WorkerShard> shards, int batchSize, BatchSpec spec,
                                                   Attack attack, long seed) {
        Broadcast<ModelSnapshot> model = jsc.broadcast(ModelSnapshot.of(graph));
        try {
            return shards.mapPartitions(new AttackShard(model, batchSize, spec, attack, seed))
                    .reduce(RobustCounts::plus);
        } finally {
            model.destroy();
        }
    }
}
