package ai.synergy.training;

import ai.synergy.dataset.DataSpec;
import ai.synergy.evaluation.DistributedEvaluator;
import ai.synergy.evaluation.EvaluateShard;
import ai.synergy.evaluation.TopKCounts;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.ImageShard;
import ai.synergy.dataset.WorkerShard;
import ai.synergy.dataset.LoadIdxShard;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.util.SerializableConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The known answer for distributed training (after DL4J's TestCompareParameterAveragingSparkVsSingleMachine): one
 * worker averaging after every minibatch must equal single-machine {@code fit} on the same minibatches.
 */
class SparkVsSingleMachineTest extends LocalSparkTest {
    static DataSpec data;

    @BeforeAll
    static void start() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 512, 256, 7);
    }

    static ModelSpec spec() {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10, java.util.List.of(0.5), java.util.List.of(0.5), 123);
    }

    @Test
    void oneWorkerAveragingEveryStepEqualsSingleMachineFit() throws Exception {
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 5e-4);
        var schedule = new LearningRateSchedule(LearningRateSchedule.Type.COSINE, 0.05, List.of(), 1, 0);
        int batch = 32;
        int epochs = 2;
        ShardedDataset shards = ShardedDataset.load(jsc, data, 1);
        RoundPlan plan = RoundPlan.of(shards.minTrainShardSize(), batch, 1);
        assertThat(plan.rounds()).isEqualTo(16);

        ComputationGraph distributed = ResNets.create(spec(), optimizer);
        RoundTrainingMaster master = RoundTrainingMaster.create(1, batch, 1, 1);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, distributed, master);

        ComputationGraph local = ResNets.create(spec(), optimizer);
        ImageShard shard = new LoadIdxShard(data.trainImages(), data.trainLabels(), 1, 0,
                new SerializableConfiguration(new Configuration())).call(0);
        assertThat(local.params()).isEqualTo(distributed.params());

        long built = NetworkPool.built();
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int round = 0; round < plan.rounds(); round++) {
                double rate = schedule.rateAt(epoch + (double) round / plan.rounds(), epochs);
                RoundBatches batches = new RoundBatches(9, epoch, plan.firstBatch(round), 1, batch, BatchSpec.plain(10));
                spark.getNetwork().setLearningRate(rate);
                master.trainRound(spark, shards.train().mapPartitions(batches, true), round, plan.rounds());

                local.setLearningRate(rate);
                Iterator<MultiDataSet> it = batches.call(List.<WorkerShard>of(shard).iterator());
                Nd4jRuntime.configureThreads(1); // as many native threads as a local[2] task: the same rounding
                local.fit(it.next());
                assertThat(it.hasNext()).isFalse();
            }
        }
        assertThat(NetworkPool.built() - built).as("networks built on the executor for %d rounds", 2 * plan.rounds())
                .isLessThanOrEqualTo(1);
        INDArray expected = local.params();
        INDArray actual = spark.getNetwork().params();
        assertThat(actual.sub(expected).amaxNumber().doubleValue())
                .as("max |spark - local| over %d parameters", expected.length()).isLessThan(1e-5);
        // the run really trained: parameters moved well beyond the tolerance
        assertThat(actual.sub(ResNets.create(spec(), optimizer).params()).amaxNumber().doubleValue()).isGreaterThan(1e-2);

        // distributed evaluation equals scoring the same test examples in this JVM
        TopKCounts onExecutors = DistributedEvaluator.evaluate(jsc, spark.getNetwork(), shards.test(), 100,
                BatchSpec.plain(10)).main();
        ImageShard test = new LoadIdxShard(data.testImages(), data.testLabels(), 1, 0,
                new SerializableConfiguration(new Configuration())).call(0);
        TopKCounts here = EvaluateShard.score(local, test, 64, BatchSpec.plain(10)).main();
        assertThat(onExecutors.examples()).isEqualTo(256);
        assertThat(onExecutors.top1Correct()).isEqualTo(here.top1Correct());
        assertThat(onExecutors.top1()).isGreaterThan(0.5);
        shards.release();
    }

    @Test
    void evaluationNeverFreesTheDriversParameters() {
        // DL4J's SparkComputationGraph.calculateScore broadcasts the live parameter array, which Spark >= 3.2 closes
        // on cleanup; our evaluator broadcasts a copy. Destroyed broadcasts must leave the network usable.
        ComputationGraph graph = ResNets.create(spec(), new OptimizerSpec(0.1, 0.9, 0));
        double before = graph.params().sumNumber().doubleValue();
        ShardedDataset shards = ShardedDataset.load(jsc, data, 2);
        TopKCounts first = DistributedEvaluator.evaluate(jsc, graph, shards.test(), 64, BatchSpec.plain(10)).main();
        System.gc();
        TopKCounts second = DistributedEvaluator.evaluate(jsc, graph, shards.test(), 64, BatchSpec.plain(10)).main();
        assertThat(graph.params().sumNumber().doubleValue()).isEqualTo(before);
        assertThat(second).isEqualTo(first);
        assertThat(first.examples()).isEqualTo(256);
        shards.release();
    }
}
