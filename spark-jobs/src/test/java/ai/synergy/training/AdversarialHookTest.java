package ai.synergy.training;

import ai.synergy.adversarial.Pgd;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.testing.ArrayBits;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The executor-side hook of adversarial training, called as dl4j-spark's worker calls it. */
class AdversarialHookTest {

    private static ComputationGraph model() {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10, List.of(0.3),
                List.of(0.35), 3);
        return ResNets.create(spec, new OptimizerSpec(0.1, 0.9, 0));
    }

    private static MultiDataSet minibatch() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        return new MultiDataSet(x, y);
    }

    @Test
    void replacesTheMinibatchWithAdversarialExamplesInsideTheBall() {
        ComputationGraph graph = model();
        MultiDataSet batch = minibatch();
        INDArray natural = batch.getFeatures(0).dup();
        INDArray labels = batch.getLabels(0).dup();
        INDArray params = graph.params().dup();
        new AdversarialHook(new AdversarialTraining(new Pgd(0.1, 0.02, 5, true), 1), 1).preUpdate(batch, graph);
        INDArray adversarial = batch.getFeatures(0);
        assertThat(adversarial).isNotEqualTo(natural);
        assertThat(adversarial.sub(natural).amaxNumber().doubleValue()).isLessThanOrEqualTo(0.1 + 1e-6);
        assertThat(adversarial.minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(adversarial.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
        assertThat(batch.getLabels(0)).isEqualTo(labels);
        assertThat(graph.params()).as("the hook attacks, it does not train").isEqualTo(params);
        // the attack raises the loss the update will see
        assertThat(score(graph, adversarial, labels)).isGreaterThan(score(graph, natural, labels));
    }

    private static double score(ComputationGraph graph, INDArray x, INDArray y) {
        return graph.score(new MultiDataSet(x, y), false);
    }

    @Test
    void aRatioKeepsTheRestOfTheMinibatchNatural() {
        ComputationGraph graph = model();
        MultiDataSet batch = minibatch();
        INDArray natural = batch.getFeatures(0).dup();
        new AdversarialHook(new AdversarialTraining(Pgd.fgsm(0.1), 0.5), 1).preUpdate(batch, graph);
        INDArray mixed = batch.getFeatures(0);
        assertThat(mixed.get(NDArrayIndex.interval(4, 8))).isEqualTo(natural.get(NDArrayIndex.interval(4, 8)));
        assertThat(mixed.get(NDArrayIndex.interval(0, 4))).isNotEqualTo(natural.get(NDArrayIndex.interval(0, 4)));
    }

    @Test
    void survivesJavaSerializationAsDl4jSparkShipsIt() throws Exception {
        AdversarialHook hook = new AdversarialHook(new AdversarialTraining(new Pgd(0.1, 0.02, 2, true), 1), 7);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(hook);
        }
        AdversarialHook copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (AdversarialHook) in.readObject();
        }
        ComputationGraph graph = model();
        MultiDataSet a = minibatch();
        MultiDataSet b = new MultiDataSet(a.getFeatures(0).dup(), a.getLabels(0).dup());
        hook.preUpdate(a, graph);
        copy.preUpdate(b, graph);
        assertThat(b.getFeatures(0)).isEqualTo(a.getFeatures(0));
    }

    @Test
    void aPooledGradientCopyAttacksExactlyAsAFreshOne() {
        AdversarialTraining settings = new AdversarialTraining(new Pgd(0.1, 0.02, 4, true), 1);
        String key = "aPooledGradientCopyAttacksExactlyAsAFreshOne";
        ComputationGraph earlier = model();
        earlier.params().muli(0.5); // an earlier round's parameters, which the pooled copy must not keep
        earlier.getConfiguration().setIterationCount(3);
        ComputationGraph graph = model();
        graph.getConfiguration().setIterationCount(10);
        graph.getConfiguration().setEpochCount(2);
        MultiDataSet natural = minibatch();

        long built = AdversarialHook.gradientCopiesBuilt();
        AdversarialHook earlierTask = new AdversarialHook(settings, 11);
        earlierTask.roundStarted(key);
        earlierTask.preUpdate(new MultiDataSet(natural.getFeatures(0).dup(), natural.getLabels(0).dup()), earlier);
        earlierTask.roundEnded();

        AdversarialHook pooledTask = new AdversarialHook(settings, 11);
        pooledTask.roundStarted(key);
        MultiDataSet pooled = new MultiDataSet(natural.getFeatures(0).dup(), natural.getLabels(0).dup());
        pooledTask.preUpdate(pooled, graph);
        pooledTask.roundEnded();
        assertThat(AdversarialHook.gradientCopiesBuilt() - built).as("copies built for two tasks of one key")
                .isEqualTo(1);

        MultiDataSet fresh = new MultiDataSet(natural.getFeatures(0).dup(), natural.getLabels(0).dup());
        new AdversarialHook(settings, 11).preUpdate(fresh, graph);
        assertThat(AdversarialHook.gradientCopiesBuilt() - built).isEqualTo(2);
        ArrayBits.assertSameBits(pooled.getFeatures(0), fresh.getFeatures(0), "adversarial examples");
        assertThat(pooled.getFeatures(0)).isNotEqualTo(natural.getFeatures(0));

        // against the earlier round's parameters the same attack gives other examples: the copy really was re-synced
        MultiDataSet stale = new MultiDataSet(natural.getFeatures(0).dup(), natural.getLabels(0).dup());
        new AdversarialHook(settings, 11).preUpdate(stale, earlier);
        assertThat(stale.getFeatures(0)).isNotEqualTo(fresh.getFeatures(0));
    }
}
