package ai.synergy.training;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reused worker network takes each round's learning rates, and the driver's network its rate before each round,
 * exactly as DL4J's own setter (which rebuilds the updater) would give them.
 */
class LearningRatesTest {
    private static final ModelSpec SPEC = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 12, 12, 4,
            Collections.nCopies(1, 0.5), Collections.nCopies(1, 0.25), 42);

    @Test
    void learningRatesSetInPlaceTrainLikeDl4jsSetter() {
        OptimizerSpec optimizer = new OptimizerSpec(0.1, 0.9, 5e-4);
        ComputationGraph inPlace = ResNets.create(SPEC, optimizer);
        ComputationGraph dl4j = ResNets.create(SPEC, optimizer);
        ComputationGraph oneRate = ResNets.create(SPEC, optimizer);
        Nd4j.getRandom().setSeed(11);
        MultiDataSet batch = new MultiDataSet(Nd4j.rand(DataType.FLOAT, 6, 1, 12, 12),
                Nd4j.eye(6).getColumns(0, 1, 2, 3).castTo(DataType.FLOAT));
        inPlace.fit(batch);
        dl4j.fit(batch);
        oneRate.fit(batch);
        INDArray momentum = inPlace.getUpdater().getStateViewArray().dup();
        assertThat(momentum.amaxNumber().doubleValue()).as("momentum to keep").isGreaterThan(0);

        Map<String, Double> rates = LearningRates.of(inPlace);
        rates.replaceAll((layer, rate) -> 0.0137);
        LearningRates.set(inPlace, rates);
        dl4j.setLearningRate(0.0137);
        LearningRates.set(oneRate, 0.0137);
        assertThat(LearningRates.of(oneRate)).isEqualTo(rates);
        assertThat(LearningRates.of(inPlace)).isEqualTo(rates);
        assertThat(inPlace.getUpdater().getStateViewArray()).isEqualTo(momentum);

        inPlace.fit(batch);
        dl4j.fit(batch);
        oneRate.fit(batch);
        assertThat(inPlace.params()).isEqualTo(dl4j.params());
        assertThat(oneRate.params()).isEqualTo(dl4j.params());
        ComputationGraph oldRate = ResNets.create(SPEC, optimizer);
        oldRate.fit(batch);
        oldRate.fit(batch);
        assertThat(oldRate.params()).as("the rate really changed the step").isNotEqualTo(inPlace.params());

        String first = rates.keySet().iterator().next();
        rates.put(first, 0.5);
        LearningRates.set(inPlace, rates);
        assertThat(LearningRates.of(inPlace)).as("one layer apart").isEqualTo(rates);
    }
}
