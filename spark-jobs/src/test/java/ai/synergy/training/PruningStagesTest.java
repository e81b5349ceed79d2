package ai.synergy.training;

import ai.synergy.dks.SupervisionConfig;
import ai.synergy.model.LearningRateSchedule;
import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.pruning.SparsityReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which layers a run prunes. */
class PruningStagesTest {
    private static final ModelSpec SPEC = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 28, 28, 10,
            List.of(.5), List.of(.5), 1);

    private static List<String> prunedLayers(PruningScheme scheme, PruningRatios ratios) {
        PruningConfig pruning = new PruningConfig(scheme, ratios, AdmmConfig.defaults(), 1, 1, 1);
        TrainConfig config = new TrainConfig(DataSpec.fashionMnist("/nonexistent", 10, 10), SPEC,
                SupervisionConfig.none(), AdversarialTraining.none(), pruning, new OptimizerSpec(.1, .9, 0),
                LearningRateSchedule.constant(.1), 1, 2, 8, 1, 8, 1, 1, null);
        ComputationGraph graph = ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0));
        SparsityReport report = new PruningStages(null, config, null).report(graph);
        return report.layers().stream().map(SparsityReport.LayerSparsity::layer).toList();
    }

    @Test
    void filterPruningKeepsTheClassifierDenseUnlessItIsNamed() {
        int prunable = PrunableLayers.weights(ResNets.create(SPEC, new OptimizerSpec(.1, .9, 0))).size();
        assertThat(prunedLayers(PruningScheme.IRREGULAR, PruningRatios.uniform(.9))).hasSize(prunable)
                .contains(ResNets.OUTPUT);
        assertThat(prunedLayers(PruningScheme.FILTER, PruningRatios.uniform(.9))).hasSize(prunable - 1)
                .doesNotContain(ResNets.OUTPUT);
        assertThat(prunedLayers(PruningScheme.FILTER, new PruningRatios(Map.of(ResNets.OUTPUT, .5), .9)))
                .contains(ResNets.OUTPUT);
    }
}
