package ai.synergy.training;

import ai.synergy.dataset.BatchSpec;
import ai.synergy.dataset.DataSpec;
import ai.synergy.dataset.ImageShard;
import ai.synergy.dataset.LoadIdxShard;
import ai.synergy.dataset.RoundBatches;
import ai.synergy.dataset.ShardedDataset;
import ai.synergy.dataset.WorkerShard;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.nd4j.ConvolutionHelpers;
import ai.synergy.nd4j.LayerHelpers;
import ai.synergy.nd4j.Nd4jRuntime;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.BroadcastBlockId;
import org.apache.spark.util.SerializableConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.collection.JavaConverters;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Synchronous parameter averaging with two workers against its definition, computed in this JVM: after every round the
 * driver holds the mean of the two workers' parameters and updater state, each worker having fitted its own
 * minibatches from the previous mean, with the arrays travelling through Spark, through the driver's round server
 * (clusters' default) and handed over in this JVM (local mode's default), which agree bit for bit. Also the round's Spark footprint: one job of one stage per round, and no
 * round's broadcast left behind.
 */
class RoundAveragingTest extends LocalSparkTest {
    private static final int WORKERS = 2;
    private static final int BATCH = 16;
    private static final int AVERAGING = 2;
    private static final int ROUNDS = 3;
    private static final long SEED = 5;
    /** Float rounding of 6 fits in two orders of evaluation: 1.7e-5 measured. */
    private static final double TOLERANCE = 1e-4;

    private static ModelSpec spec() {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10, List.of(0.5), List.of(0.5), 17);
    }

    @Test
    void twoWorkersAfterThreeRoundsHoldTheMeanOfTheirLocalFits() throws Exception {
        // DL4J's convolution helper on both sides: with OneDnnConvHelper, the tasks (one native thread each) end a round
        // up to 7e-5 away from the same fits on the test thread, which runs with the JVM's thread count: oneDNN's
        // reduction order depends on it (ConvolutionHelpersTest: bit for bit at equal counts, also concurrently)
        String convolutions = System.getProperty(ConvolutionHelpers.PROPERTY);
        System.setProperty(ConvolutionHelpers.PROPERTY, "dl4j");
        try {
            INDArray throughSpark = checkAgainstLocalFits(RoundExchange.SPARK);
            INDArray inJvm = checkAgainstLocalFits(RoundExchange.IN_JVM);
            INDArray direct = checkAgainstLocalFits(RoundExchange.DIRECT);
            // the same fits from the same start, and the same sum of two results: a + b is b + a in floating point
            assertThat(inJvm.sub(throughSpark).amaxNumber().doubleValue())
                    .as("max |in-JVM - through Spark| after %d rounds", ROUNDS).isZero();
            assertThat(direct.sub(throughSpark).amaxNumber().doubleValue())
                    .as("max |direct - through Spark| after %d rounds", ROUNDS).isZero();
            assertThat(InJvmRounds.openRounds()).as("in-JVM rounds left open").isZero();
        } finally {
            if (convolutions == null) {
                System.clearProperty(ConvolutionHelpers.PROPERTY);
            } else {
                System.setProperty(ConvolutionHelpers.PROPERTY, convolutions);
            }
        }
    }

    /** Trains {@link #ROUNDS} rounds with {@code exchange}, checks them against the local fits, returns the result. */
    private INDArray checkAgainstLocalFits(RoundExchange exchange) throws Exception {
        DataSpec data = IdxFixtures.dataSpec(dir.resolve("data"), 256, 64, 3);
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 5e-4);
        ShardedDataset shards = ShardedDataset.load(jsc, data, WORKERS);
        ComputationGraph driver = ResNets.create(spec(), optimizer);
        RoundTrainingMaster master = RoundTrainingMaster.create(WORKERS, BATCH, AVERAGING, SEED)
                .roundExchange(exchange);
        SparkComputationGraph spark = new SparkComputationGraph(jsc, driver, master);

        ComputationGraph expected = ResNets.create(spec(), optimizer);
        List<ComputationGraph> locals = new ArrayList<>();
        List<ImageShard> localShards = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            ComputationGraph local = ResNets.create(spec(), optimizer);
            LayerHelpers.install(local);
            locals.add(local);
            localShards.add(new LoadIdxShard(data.trainImages(), data.trainLabels(), WORKERS, 0,
                    new SerializableConfiguration(new Configuration())).call(w));
        }
        INDArray start = expected.params().dup();

        AtomicInteger jobs = new AtomicInteger();
        AtomicInteger stages = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }

            @Override
            public void onStageSubmitted(SparkListenerStageSubmitted stageSubmitted) {
                stages.incrementAndGet();
            }
        };
        jsc.sc().addSparkListener(counter);
        double rate = 0.05;
        for (int round = 0; round < ROUNDS; round++) {
            RoundBatches batches = new RoundBatches(SEED, 0, round * AVERAGING, AVERAGING, BATCH, BatchSpec.plain(10));
            spark.getNetwork().setLearningRate(rate);
            double loss = master.trainRound(spark, shards.train().mapPartitions(batches, true), round + 1, ROUNDS);
            assertThat(loss).isFinite();

            INDArray parameterSum = null;
            INDArray stateSum = null;
            for (int w = 0; w < WORKERS; w++) {
                ComputationGraph local = locals.get(w);
                local.setParams(expected.params());
                local.getUpdater().getStateViewArray().assign(expected.getUpdater().getStateViewArray());
                local.setLearningRate(rate);
                Nd4jRuntime.configureThreads(1); // as many native threads as a local[2] task: the same rounding
                Iterator<MultiDataSet> it = batches.call(List.<WorkerShard>of(localShards.get(w)).iterator());
                int fitted = 0;
                while (it.hasNext()) {
                    local.fit(it.next());
                    fitted++;
                }
                assertThat(fitted).isEqualTo(AVERAGING);
                parameterSum = parameterSum == null ? local.params().dup() : parameterSum.addi(local.params());
                stateSum = stateSum == null ? local.getUpdater().getStateViewArray().dup()
                        : stateSum.addi(local.getUpdater().getStateViewArray());
            }
            expected.setParams(parameterSum.divi(WORKERS));
            expected.getUpdater().setStateViewArray(stateSum.divi(WORKERS));
        }
        jsc.sc().listenerBus().waitUntilEmpty();
        jsc.sc().removeSparkListener(counter);

        assertThat(jobs.get()).as("Spark jobs for %d rounds %s", ROUNDS, exchange).isEqualTo(ROUNDS);
        assertThat(stages.get()).as("stages for %d rounds", ROUNDS).isEqualTo(ROUNDS);
        INDArray actual = spark.getNetwork().params();
        assertThat(actual.sub(expected.params()).amaxNumber().doubleValue())
                .as("max |spark - mean of local fits| over %d parameters", actual.length()).isLessThan(TOLERANCE);
        assertThat(spark.getNetwork().getUpdater().getStateViewArray()
                .sub(expected.getUpdater().getStateViewArray()).amaxNumber().doubleValue())
                .as("max |spark - mean of local fits| of the momentum").isLessThan(TOLERANCE);
        // the rounds really trained, and the workers really differed: each worker's own fit is far from the mean
        assertThat(actual.sub(start).amaxNumber().doubleValue()).isGreaterThan(100 * TOLERANCE);
        assertThat(locals.get(0).params().sub(actual).amaxNumber().doubleValue()).isGreaterThan(10 * TOLERANCE);

        long roundBytes = 4L * (actual.length() + spark.getNetwork().getUpdater().getStateViewArray().length());
        assertThat(broadcastBlocksOver(roundBytes / 2)).as("broadcast blocks of a round's size left behind")
                .isEmpty();
        if (exchange != RoundExchange.SPARK) {
            // a round whose tasks fail leaves no published arrays, results or round server behind
            JavaRDD<MultiDataSet> failing = shards.train().mapPartitions(worker -> {
                throw new IllegalStateException("worker lost");
            }, true);
            assertThatThrownBy(() -> master.trainRound(spark, failing, ROUNDS + 1, ROUNDS + 1))
                    .hasStackTraceContaining("worker lost");
            assertThat(InJvmRounds.openRounds()).as("in-JVM rounds open after a failed round").isZero();
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("round server threads after the rounds")
                .noneMatch(t -> t.getName().startsWith("synergy-round-"));
        shards.release();
        return actual.dup();
    }

    /** The driver's broadcast blocks (values and pieces) of at least {@code bytes} bytes in memory or on disk. */
    private static List<BlockId> broadcastBlocksOver(long bytes) {
        BlockManager blocks = SparkEnv.get().blockManager();
        List<BlockId> big = new ArrayList<>();
        for (BlockId id : JavaConverters.seqAsJavaList(blocks.master().getMatchingBlockIds(
                b -> b instanceof BroadcastBlockId, false))) {
            scala.Option<BlockStatus> status = blocks.getStatus(id);
            if (status.isDefined() && status.get().memSize() + status.get().diskSize() >= bytes) {
                big.add(id);
            }
        }
        return big;
    }
}
