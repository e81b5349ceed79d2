package ai.synergy.training;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.quantization.SlqLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** SLQ's loss-effect scores against DL4J's own loss. */
class LossEffectScoresTest {

    @Test
    void eachScoreIsTheLossIncreaseOfQuantizingThatClusterAloneAndTheWeightsComeBack() {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 0.5, 1, 12, 12, 4, List.of(.5),
                List.of(.25), 3);
        ComputationGraph network = ResNets.create(spec, new OptimizerSpec(.1, .9, 0)); // no weight decay in score
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 1, 12, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 4, 1);
        }
        MultiDataSet probe = new MultiDataSet(x, y);
        INDArray w = network.getParam("s2_b1_2_conv_W");
        INDArray before = w.dup();
        SlqLayer clusters = SlqLayer.cluster(w, 4);

        double[] scores = new LossEffectScores(network, probe).scores(clusters, w);

        assertThat(w).isEqualTo(before);
        double base = network.score(probe, false);
        int[] assignment = clusters.assignment();
        double[] centroids = clusters.centroids();
        for (int c = 1; c < centroids.length; c++) {
            double[] trial = before.dup('c').data().asDouble();
            for (int i = 0; i < trial.length; i++) {
                if (assignment[i] == c) {
                    trial[i] = centroids[c];
                }
            }
            w.assign(Nd4j.create(trial, w.shape(), 'c').castTo(w.dataType()));
            double expected = network.score(probe, false) - base;
            w.assign(before);
            assertThat(scores[c]).as("cluster %d", c).isCloseTo(expected, within(1e-4 + 1e-3 * Math.abs(expected)));
        }
    }
}
