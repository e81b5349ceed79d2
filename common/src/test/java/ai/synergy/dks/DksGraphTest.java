package ai.synergy.dks;

import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelCost;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The DKS training graph: branch placement, gradients of the whole graph, and the lean exported model. */
class DksGraphTest {

    private static ModelSpec spec(String model, int channels, int size, int classes) {
        return new ModelSpec(ModelArchitecture.parse(model), 1, channels, size, size, classes,
                Collections.nCopies(channels, 0.5), Collections.nCopies(channels, 0.25), 7);
    }

    private static INDArray oneHot(int n, int classes, long seed) {
        Random random = new Random(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, random.nextInt(classes), 1f);
        }
        return labels;
    }

    @Test
    void branchesFollowThePaperAndHeadsEndAtTheFinalResolution() {
        ModelSpec cifar = spec("resnet20", 3, 32, 10);
        ComputationGraphConfiguration conf = trainingConf(Supervision.DKS, cifar);
        // ResNet-20: n = 3 blocks per stage. Branch on stage 1: 3 blocks at stage-2 width + 1 block at stage-3 width;
        // branch on stage 2: 3 blocks at stage-3 width (the official DKS code).
        assertThat(conf.getVertices().keySet()).contains("aux1_s2_b1", "aux1_s2_b3", "aux1_s3_b1", "aux2_s3_b3",
                "aux1_fc", "aux2_fc", ResNets.HEADS, ResNets.HEADS_LOSS).doesNotContain("aux1_s3_b2", "aux2_s3_b4");
        var types = conf.getLayerActivationTypes(InputType.convolutional(32, 32, 3));
        assertThat(types.get("aux1_s3_b1").toString()).isEqualTo(types.get("s3_b3").toString());
        assertThat(types.get("aux2_s3_b3").toString()).isEqualTo(types.get("s3_b3").toString());
        assertThat(types.get(ResNets.HEADS).arrayElementsPerExample()).isEqualTo(30);

        ComputationGraphConfiguration imagenet = trainingConf(Supervision.DKS, spec("resnet50", 3, 64, 10));
        assertThat(imagenet.getVertices().keySet()).contains("aux1_s3_b1", "aux1_s4_b1", "aux2_s4_b1")
                .doesNotContain("aux1_s3_b2");
        var imagenetTypes = imagenet.getLayerActivationTypes(InputType.convolutional(64, 64, 3));
        assertThat(imagenetTypes.get("aux1_s4_b1").toString()).isEqualTo(imagenetTypes.get("s4_b3").toString());
    }

    private static ComputationGraphConfiguration trainingConf(Supervision mode, ModelSpec spec) {
        return new SupervisionConfig(mode, AuxiliaryHeads.paperDefault(spec.architecture()), 1, 1)
                .trainingConfiguration(spec, new OptimizerSpec(0.1, 0.9, 1e-4));
    }

    @Test
    void exportedModelHasTheBaselinesCostAndTheMainHeadsOutputs() {
        for (ModelSpec spec : List.of(spec("resnet8", 1, 28, 10), spec("resnet18", 3, 64, 7))) {
            OptimizerSpec optimizer = new OptimizerSpec(0.05, 0.9, 1e-4);
            ComputationGraph training = new SupervisionConfig(Supervision.DKS,
                    AuxiliaryHeads.paperDefault(spec.architecture()), 1, 1).createTrainingGraph(spec, optimizer);
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, spec.inputChannels(), spec.inputHeight(), spec.inputWidth());
            for (int i = 0; i < 3; i++) { // moves weights and batch-norm statistics away from their initial values
                training.fit(new DataSet(x, oneHot(4, spec.numClasses(), i)));
            }
            ComputationGraph lean = LeanExport.export(training, spec, optimizer);
            ComputationGraph baseline = ResNets.create(spec, optimizer);

            assertThat(lean.getConfiguration()).isEqualTo(baseline.getConfiguration());
            assertThat(lean.numParams()).isEqualTo(baseline.numParams()).isLessThan(training.numParams());
            InputType input = InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels());
            assertThat(ModelCost.forwardMacs(lean.getConfiguration(), input))
                    .isEqualTo(ModelCost.forwardMacs(baseline.getConfiguration(), input));
            assertThat(Arrays.stream(lean.getLayers()).map(l -> l.conf().getLayer().getLayerName()))
                    .noneMatch(name -> name.startsWith("aux"));

            INDArray probe = Nd4j.rand(DataType.FLOAT, 5, spec.inputChannels(), spec.inputHeight(),
                    spec.inputWidth());
            INDArray mainHead = HeadOutputs.softmaxPerHead(training.outputSingle(false, probe), 3,
                    spec.numClasses())[0];
            INDArray exported = lean.outputSingle(false, probe);
            assertThat(exported.sub(mainHead).amaxNumber().doubleValue()).as(spec.architecture().canonicalName())
                    .isLessThan(1e-6);
        }
    }

    @Test
    void exportRefusesAGraphOfAnotherBackbone() {
        ModelSpec spec = spec("resnet8", 1, 28, 10);
        ComputationGraph training = new SupervisionConfig(Supervision.DKS, AuxiliaryHeads.paperDefault(
                spec.architecture()), 1, 1).createTrainingGraph(spec, new OptimizerSpec(0.1, 0.9, 0));
        assertThatThrownBy(() -> LeanExport.export(training, spec("resnet14", 1, 28, 10),
                new OptimizerSpec(0.1, 0.9, 0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s1_b2");
    }

    /** A double-precision training graph: plain SGD at lr 1, no weight decay (what gradient checks need). */
    private static ComputationGraph doubleGraph(Supervision mode) {
        ModelSpec spec = spec("resnet8", 1, 8, 3);
        return new SupervisionConfig(mode, AuxiliaryHeads.paperDefault(spec.architecture()), 1, 1)
                .createTrainingGraph(spec, new OptimizerSpec(1.0, 0, 0)).convertDataType(DataType.DOUBLE);
    }

    /**
     * DKS treats every teacher distribution as a constant in the term that trains another head, so its update is the
     * gradient of the loss with the teachers frozen at the current parameters, not of L itself. Backprop through the
     * whole graph (branches, merge, loss) must equal finite differences of that frozen-teacher objective; for DS
     * (no synergy term) that is the plain loss.
     */
    @ParameterizedTest
    @EnumSource(value = Supervision.class, names = {"DS", "DKS"})
    void wholeGraphGradientMatchesFiniteDifferences(Supervision mode) {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph graph = doubleGraph(mode);
            SynergyLoss loss = (SynergyLoss) loss(graph.getConfiguration());
            Nd4j.getRandom().setSeed(4);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 1, 8, 8);
            INDArray y = oneHot(3, 3, 6).castTo(DataType.DOUBLE);
            graph.setInput(0, x);
            graph.setLabels(y);
            graph.computeGradientAndScore();
            Map<String, INDArray> backprop = new HashMap<>(); // copied now: later passes may reuse the buffers
            graph.gradient().gradientForVariable().forEach((name, g) -> backprop.put(name, g.dup(g.ordering())));
            INDArray teachers = logits(graph, x);
            Random random = new Random(9);
            int checked = 0;
            for (var entry : graph.paramTable().entrySet()) {
                String name = entry.getKey();
                if (name.endsWith("_mean") || name.endsWith("_var") || name.endsWith("_log10stdev")) {
                    continue; // batch-norm running statistics: not trained by gradient
                }
                INDArray param = entry.getValue(); // a view into the network's parameters
                INDArray gradient = backprop.get(name);
                for (int k = 0; k < 3; k++, checked++) {
                    long i = random.nextInt((int) param.length());
                    double original = param.getDouble(i);
                    double h = 1e-6;
                    param.putScalar(i, original + h);
                    double plus = frozenTeacherScore(loss, graph, x, y, teachers);
                    param.putScalar(i, original - h);
                    double minus = frozenTeacherScore(loss, graph, x, y, teachers);
                    param.putScalar(i, original);
                    double numeric = (plus - minus) / (2 * h);
                    double analytic = gradient.getDouble(i);
                    double error = Math.abs(numeric - analytic) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic));
                    assertThat(error < 1e-4 || Math.abs(numeric - analytic) < 1e-8)
                            .as("%s[%d]: backprop %s, finite differences %s", name, i, analytic, numeric)
                            .isTrue();
                }
            }
            assertThat(checked).isGreaterThan(60);
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private static INDArray logits(ComputationGraph graph, INDArray x) {
        return graph.feedForward(new INDArray[]{x}, true, false).get(ResNets.HEADS).dup();
    }

    /** The summed (over the minibatch) DKS loss with the teachers held at {@code teachers}. */
    private static double frozenTeacherScore(SynergyLoss loss, ComputationGraph graph, INDArray x, INDArray y,
                                             INDArray teachers) {
        return loss.computeScoreArray(y, logits(graph, x), teachers, new ActivationIdentity(), null)
                .sumNumber().doubleValue();
    }

    @Test
    void deepSupervisionAndDksDifferOnlyInTheSynergyWeight() {
        ModelSpec spec = spec("resnet8", 1, 28, 10);
        ComputationGraphConfiguration ds = trainingConf(Supervision.DS, spec);
        ComputationGraphConfiguration dks = trainingConf(Supervision.DKS, spec);
        assertThat(loss(ds)).isEqualTo(new SynergyLoss(3, 10, 0, 1));
        assertThat(loss(dks)).isEqualTo(new SynergyLoss(3, 10, 1, 1));
        assertThat(trainingConf(Supervision.NONE, spec)).isEqualTo(ResNets.configuration(spec,
                new OptimizerSpec(0.1, 0.9, 1e-4)));
        assertThatThrownBy(() -> new SupervisionConfig(Supervision.DKS, new AuxiliaryHeads(List.of(3)), 1, 1)
                .trainingConfiguration(spec, new OptimizerSpec(0.1, 0.9, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stages 1..2");
    }

    private static Object loss(ComputationGraphConfiguration conf) {
        var vertex = (org.deeplearning4j.nn.conf.graph.LayerVertex) conf.getVertices().get(ResNets.HEADS_LOSS);
        return ((org.deeplearning4j.nn.conf.layers.LossLayer) vertex.getLayerConf().getLayer()).getLossFn();
    }

    @Test
    void aTrainedLayerIsCopiedNotShared() {
        ModelSpec spec = spec("resnet8", 1, 28, 10);
        OptimizerSpec optimizer = new OptimizerSpec(0.1, 0.9, 0);
        ComputationGraph training = new SupervisionConfig(Supervision.DKS, AuxiliaryHeads.paperDefault(
                spec.architecture()), 1, 1).createTrainingGraph(spec, optimizer);
        ComputationGraph lean = LeanExport.export(training, spec, optimizer);
        Layer stem = lean.getLayer("stem_conv");
        double before = stem.params().sumNumber().doubleValue();
        training.getLayer("stem_conv").params().addi(1);
        assertThat(stem.params().sumNumber().doubleValue()).isEqualTo(before);
    }
}
