package ai.synergy.jobs;

import ai.synergy.run.RunFolder;
import ai.synergy.dks.HeadOutputs;
import ai.synergy.dks.Supervision;
import ai.synergy.dks.SupervisionConfig;
import ai.synergy.metrics.EpochMetrics;
import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.testing.IdxFixtures;
import ai.synergy.testing.LocalSparkTest;
import ai.synergy.dataset.DataSpec;
import ai.synergy.training.TrainConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** DKS training on Spark with 2 workers: every head evaluated each epoch, and model.zip is the lean main head. */
class DksTrainingTest extends LocalSparkTest {
    static DataSpec data;

    @BeforeAll
    static void start() throws Exception {
        data = IdxFixtures.dataSpec(dir.resolve("data"), 768, 256, 11);
    }

    @Test
    void dksTrainsOnTwoWorkersReportsEveryHeadAndExportsTheMainHead() throws Exception {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10, List.of(0.5),
                List.of(0.5), 5);
        SupervisionConfig dks = new SupervisionConfig(Supervision.DKS, AuxiliaryHeads.paperDefault(
                spec.architecture()), 1, 1);
        OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 5e-4);
        TrainConfig config = TrainConfig.builder().data(data).model(spec.architecture()).supervision(dks.mode())
                .learningRate(optimizer.learningRate()).weightDecay(optimizer.weightDecay())
                .schedule(LearningRateSchedule.Type.CONSTANT).epochs(2).workers(2).batchSizePerWorker(32)
                .averagingFrequency(3).evalBatchSize(128).seed(spec.seed()).keepCheckpoints(2).build();
        Path out = dir.resolve("dks");
        TrainJob.Result result = new TrainJob(jsc, config, new TrainJob.RunOptions(out.toString(), false, 0),
                new PrintStream(new ByteArrayOutputStream())).run();

        for (EpochMetrics m : result.metrics()) {
            assertThat(m.headTop1()).containsOnlyKeys("head_main", "head_aux1", "head_aux2", "heads_ensemble");
            assertThat(m.headTop1().get("head_main")).isEqualTo(m.testTop1());
            assertThat(m.headTop1().values()).allSatisfy(top1 -> assertThat(top1).isBetween(0.0, 1.0));
        }
        assertThat(Files.readString(out.resolve(RunFolder.METRICS))).contains("\"head_aux2\"", "\"heads_ensemble\"");
        // training moved the parameters of the main head and of the branches
        assertThat(result.metrics().get(1).trainLoss()).isLessThan(result.metrics().get(0).trainLoss());

        ComputationGraph exported = ModelSerializer.restoreComputationGraph(out.resolve(RunFolder.MODEL).toFile());
        ComputationGraph trainingGraph = result.model();
        assertThat(exported.numParams()).isEqualTo(ResNets.create(spec, optimizer).numParams())
                .isLessThan(trainingGraph.numParams());
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 1, 28, 28);
        INDArray mainHead = HeadOutputs.softmaxPerHead(trainingGraph.outputSingle(false, x), 3, 10)[0];
        assertThat(exported.outputSingle(false, x).sub(mainHead).amaxNumber().doubleValue()).isLessThan(1e-6);
    }
}
