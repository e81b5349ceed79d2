package ai.synergy.nd4j;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Installing the channel batch-norm helper, and training with it against DL4J's oneDNN helper. */
class BatchNormHelpersTest {
    private static final ModelSpec SPEC = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 3, 12, 12, 5,
            Collections.nCopies(3, 0.5), Collections.nCopies(3, 0.25), 42);
    private static final OptimizerSpec OPTIMIZER = new OptimizerSpec(0.1, 0.9, 5e-4);

    @AfterEach
    void clearProperty() {
        System.clearProperty(BatchNormHelpers.PROPERTY);
    }

    @Test
    void everyBatchNormLayerGetsTheChannelHelperUnlessDl4jsIsAskedFor() {
        Nd4jRuntime.enableLayerHelpers();
        Map<String, Long> helpers = Nd4jRuntime.helperSummary(ResNets.create(SPEC, OPTIMIZER));
        assertThat(helpers).containsKey("ChannelBatchNormHelper").doesNotContainKey("MKLDNNBatchNormHelper");

        System.setProperty(BatchNormHelpers.PROPERTY, "dl4j");
        ComputationGraph dl4j = ResNets.create(SPEC, OPTIMIZER);
        assertThat(Nd4jRuntime.helperSummary(dl4j)).containsEntry("MKLDNNBatchNormHelper",
                helpers.get("ChannelBatchNormHelper"));
        assertThat(BatchNormHelpers.install(dl4j)).isZero();

        System.setProperty(BatchNormHelpers.PROPERTY, "cudnn");
        assertThatThrownBy(BatchNormHelpers::choice).hasMessageContaining("-Dsynergy.batchnorm")
                .hasMessageContaining("channel or dl4j").hasMessageContaining("'cudnn'");
    }

    @Test
    void trainingMatchesDl4jsOneDnnHelper() {
        Nd4jRuntime.enableLayerHelpers();
        ComputationGraph channel = ResNets.create(SPEC, OPTIMIZER);
        System.setProperty(BatchNormHelpers.PROPERTY, "dl4j");
        ComputationGraph oneDnn = ResNets.create(SPEC, OPTIMIZER);
        assertThat(channel.params()).isEqualTo(oneDnn.params());

        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 4; step++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 12, 12);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 5);
            for (int i = 0; i < 8; i++) {
                y.putScalar(i, (i + step) % 5, 1f);
            }
            MultiDataSet batch = new MultiDataSet(x, y);
            channel.fit(batch);
            oneDnn.fit(batch);
        }
        INDArray before = ResNets.create(SPEC, OPTIMIZER).params();
        double moved = channel.params().sub(before).norm2Number().doubleValue();
        double apart = channel.params().sub(oneDnn.params()).norm2Number().doubleValue();
        assertThat(moved).as("4 steps change the parameters (incl. running mean and variance)").isGreaterThan(0.1);
        assertThat(apart / moved).as("the two helpers train the same network").isLessThan(1e-4);
        INDArray probe = Nd4j.rand(DataType.FLOAT, 4, 3, 12, 12);
        assertThat(channel.outputSingle(probe).sub(oneDnn.outputSingle(probe)).amaxNumber().doubleValue())
                .as("inference with the running statistics").isLessThan(1e-4);
    }
}
