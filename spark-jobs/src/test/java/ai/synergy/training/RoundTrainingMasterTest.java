package ai.synergy.training;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;

/** The driver's configuration key: the workers reuse a network only while it stays the same. */
class RoundTrainingMasterTest {
    private static ModelSpec spec(int classes) {
        return new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 12, 12, classes,
                Collections.nCopies(1, 0.5), Collections.nCopies(1, 0.25), 42);
    }

    @Test
    void learningRatesAndCountersDoNotChangeTheKeyTheArchitectureDoes() {
        ComputationGraph graph = ResNets.create(spec(5), new OptimizerSpec(0.1, 0.9, 5e-4));
        String json = graph.getConfiguration().toJson();
        String key = RoundTrainingMaster.configurationKey(json);
        assertThat(key).hasSize(64);

        graph.setLearningRate(0.0371);
        graph.getConfiguration().setIterationCount(1234);
        graph.getConfiguration().setEpochCount(7);
        String moved = graph.getConfiguration().toJson();
        assertThat(moved).as("the JSON itself changed").isNotEqualTo(json).contains("0.0371");
        assertThat(RoundTrainingMaster.configurationKey(moved)).isEqualTo(key);
        assertThat(LearningRates.of(graph)).isNotEmpty().allSatisfy((layer, rate) ->
                assertThat(rate).as(layer).isEqualTo(0.0371));

        String otherClasses = ResNets.create(spec(6), new OptimizerSpec(0.1, 0.9, 5e-4)).getConfiguration().toJson();
        assertThat(RoundTrainingMaster.configurationKey(otherClasses)).isNotEqualTo(key);
        String otherMomentum = ResNets.create(spec(5), new OptimizerSpec(0.1, 0.8, 5e-4)).getConfiguration().toJson();
        assertThat(RoundTrainingMaster.configurationKey(otherMomentum)).isNotEqualTo(key);
    }
}
