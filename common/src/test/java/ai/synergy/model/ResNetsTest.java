package ai.synergy.model;

import ai.synergy.config.InvalidSettingException;

import ai.synergy.config.InvalidInputException;
import ai.synergy.nd4j.Nd4jRuntime;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResNetsTest {
    private static final OptimizerSpec SGD = new OptimizerSpec(0.1, 0.9, 5e-4);

    static ModelSpec spec(String name, int channels, int size, int classes) {
        return new ModelSpec(ModelArchitecture.parse(name), 1, channels, size, size, classes,
                java.util.Collections.nCopies(channels, 0.5), java.util.Collections.nCopies(channels, 0.25), 42);
    }

    /** Reference counts: torchvision (ImageNet family) and He et al. 2016 with 1x1 projection shortcuts (CIFAR). */
    @ParameterizedTest
    @CsvSource({
            "resnet18, 3, 224, 1000, 11689512",
            "resnet34, 3, 224, 1000, 21797672",
            "resnet50, 3, 224, 1000, 25557032",
            "resnet101, 3, 224, 1000, 44549160",
            "resnet152, 3, 224, 1000, 60192808",
            "resnet20, 3, 32, 10, 272474",
            "resnet8, 1, 28, 10, 77754",
    })
    void trainableParameterCountsMatchReferences(String name, int channels, int size, int classes, long expected) {
        ComputationGraphConfiguration conf = ResNets.configuration(spec(name, channels, size, classes), SGD);
        assertThat(ModelCost.trainableParameters(conf)).isEqualTo(expected);
    }

    @Test
    void fractionalWidthsRoundEachStagesChannels() {
        for (double width : new double[]{0.5, 0.3}) {
            ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), width, 1, 28, 28, 10,
                    java.util.List.of(0.5), java.util.List.of(0.25), 1);
            ComputationGraph graph = ResNets.create(spec, SGD);
            long[] expected = {Math.round(16 * width), Math.round(32 * width), Math.round(64 * width)};
            assertThat(graph.getParam("stem_conv_W").size(0)).isEqualTo(expected[0]);
            assertThat(graph.getParam("output_W").size(0)).isEqualTo(expected[2]);
            assertThat(ModelCost.trainableParameters(graph.getConfiguration()))
                    .isBetween((long) (77754 * width * width * 0.8), (long) (77754 * width * width * 1.25));
        }
        assertThatThrownBy(() -> new ModelSpec(ModelArchitecture.parse("resnet8"), 0.05, 1, 28, 28, 10,
                java.util.List.of(0.5), java.util.List.of(0.25), 1)).hasMessageContaining("widthMultiplier");
    }

    @Test
    void dl4jCountAddsRunningStatisticsAndMatchesTheAllocatedNetwork() {
        ModelSpec spec = spec("resnet20", 3, 32, 10);
        ComputationGraph graph = ResNets.create(spec, SGD);
        // 19 conv BN layers (16*7 + 32*6 + 64*6 channels) plus two projection BNs (32 + 64): 2 stats per channel
        long bnChannels = 16 * 7 + 32 * 6 + 64 * 6 + 32 + 64;
        assertThat(graph.numParams()).isEqualTo(ModelCost.dl4jParameters(graph.getConfiguration()));
        assertThat(graph.numParams()).isEqualTo(272474 + 2 * bnChannels);
    }

    @Test
    void forwardMacsMatchPublishedFigures() {
        ComputationGraphConfiguration r18 = ResNets.configuration(spec("resnet18", 3, 224, 1000), SGD);
        ComputationGraphConfiguration r50 = ResNets.configuration(spec("resnet50", 3, 224, 1000), SGD);
        // He et al. 2016 table 1: 1.8 and 3.8 (torchvision counts 4.1 GMACs for v1.5 with the stride on the 3x3)
        assertThat(ModelCost.forwardMacs(r18, InputType.convolutional(224, 224, 3)) / 1e9).isBetween(1.80, 1.83);
        assertThat(ModelCost.forwardMacs(r50, InputType.convolutional(224, 224, 3)) / 1e9).isBetween(4.08, 4.12);
        ComputationGraphConfiguration r20 = ResNets.configuration(spec("resnet20", 3, 32, 10), SGD);
        assertThat(ModelCost.forwardMacs(r20, InputType.convolutional(32, 32, 3)) / 1e6).isBetween(40.0, 42.0);
    }

    @Test
    void forwardPassGivesClassProbabilitiesForSmallAndLargeInputs() {
        ComputationGraph small = ResNets.create(spec("resnet8", 1, 28, 10), SGD);
        INDArray out = small.outputSingle(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 28, 28));
        assertThat(out.shape()).containsExactly(4, 10);
        assertThat(out.sum(1).getDouble(0)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        ComputationGraph large = ResNets.create(spec("resnet18", 3, 64, 7), SGD);
        assertThat(large.outputSingle(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 64, 64)).shape())
                .containsExactly(2, 7);
    }

    @Test
    void jsonRoundTripOfTheConfigurationIsExact() {
        ComputationGraphConfiguration conf = ResNets.configuration(spec("resnet20", 3, 32, 10), SGD);
        assertThat(ComputationGraphConfiguration.fromJson(conf.toJson())).isEqualTo(conf);
    }

    @Test
    void sameSeedSameWeights() {
        ComputationGraph a = ResNets.create(spec("resnet8", 1, 28, 10), SGD);
        ComputationGraph b = ResNets.create(spec("resnet8", 1, 28, 10), SGD);
        assertThat(a.params()).isEqualTo(b.params());
    }

    @Test
    void ourConvAndChannelBatchNormHelpersAreActive() {
        Nd4jRuntime.enableLayerHelpers();
        ComputationGraph graph = ResNets.create(spec("resnet8", 1, 28, 10), SGD);
        graph.outputSingle(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 28, 28));
        assertThat(Nd4jRuntime.oneDnnAvailable()).as(Nd4jRuntime.describe()).isTrue();
        assertThat(Nd4jRuntime.layerHelpers(graph))
                .containsEntry("stem_conv", "OneDnnConvHelper")
                .containsEntry("stem_bn", "ChannelBatchNormHelper");
    }

    @Test
    void modelNames() {
        assertThat(ModelArchitecture.parse("resnet50").family()).isEqualTo(ModelArchitecture.Family.IMAGENET);
        assertThat(ModelArchitecture.parse("cifar-resnet50").family()).isEqualTo(ModelArchitecture.Family.CIFAR);
        assertThat(ModelArchitecture.parse("RESNET110").depth()).isEqualTo(110);
        assertThatThrownBy(() -> ModelArchitecture.parse("resnet9"))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("model: unknown model 'resnet9'");
        assertThatThrownBy(() -> ModelArchitecture.parse("vgg16"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown model 'vgg16'");
    }
}
