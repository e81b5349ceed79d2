package ai.synergy.training;

import ai.synergy.model.ModelArchitecture;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.AdmmState;
import ai.synergy.pruning.LayerPruning;
import ai.synergy.pruning.Masks;
import ai.synergy.pruning.PrunableLayers;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.testing.LocalSparkTest;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The executor-side pruning hook on one worker's network, as dl4j-spark's worker calls it around each fit. */
class WeightConstraintHookTest extends LocalSparkTest {
    private static final double LR = 0.1;

    /** A small ResNet with plain SGD (no momentum, no weight decay), so one step is W - lr * gradient exactly. */
    private static ComputationGraph network(double momentum) {
        ModelSpec spec = new ModelSpec(ModelArchitecture.parse("resnet8"), 1, 1, 12, 12, 4, List.of(.5), List.of(.25),
                3);
        ComputationGraphConfiguration conf = ResNets.configuration(spec, new OptimizerSpec(LR, momentum, 0));
        conf.setDataType(DataType.DOUBLE);
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static MultiDataSet minibatch() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 1, 12, 12);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 8, 4);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 4, 1);
        }
        return new MultiDataSet(x, y);
    }

    private static void fitWith(WeightConstraintHook hook, ComputationGraph graph, MultiDataSet batch) {
        hook.preUpdate(batch, graph);
        graph.fit(batch);
        hook.postUpdate(batch, graph);
    }

    @Test
    void admmAddsRhoTimesWMinusZPlusUToEveryPrunedGradientBeforeTheUpdate() {
        ComputationGraph plain = network(0);
        ComputationGraph admm = plain.clone();
        Map<String, INDArray> weights = PrunableLayers.weights(admm);
        Map<String, LayerPruning> plan = LayerPruning.plan(weights, PruningScheme.IRREGULAR, PruningRatios.uniform(.5));
        AdmmState state = AdmmState.init(weights, plan, new AdmmConfig(.5, 1.3));
        state.update(weights); // U != 0 from here on
        Map<String, INDArray> proximal = new java.util.TreeMap<>();
        weights.forEach((layer, w) -> proximal.put(layer, state.proximalGradient(layer, w)));

        MultiDataSet batch = minibatch();
        plain.fit(batch);
        fitWith(new WeightConstraintHook(jsc.broadcast(state)), admm, batch);

        Map<String, INDArray> before = PrunableLayers.weights(plain);
        Map<String, INDArray> after = PrunableLayers.weights(admm);
        for (String layer : plan.keySet()) {
            INDArray expected = before.get(layer).sub(proximal.get(layer).mul(LR));
            assertThat(after.get(layer).sub(expected).amaxNumber().doubleValue()).as(layer).isLessThan(1e-12);
        }
        // everything else took the same step
        INDArray bn = plain.getParam("stem_bn_gamma");
        assertThat(admm.getParam("stem_bn_gamma").sub(bn).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void masksKeepPrunedWeightsExactlyZeroThroughMomentumSteps() {
        ComputationGraph graph = network(0.9);
        MultiDataSet batch = minibatch();
        graph.fit(batch); // momentum on every weight, pruned ones included
        Map<String, INDArray> weights = PrunableLayers.weights(graph);
        Masks masks = Masks.hardPrune(weights,
                LayerPruning.plan(weights, PruningScheme.IRREGULAR, PruningRatios.uniform(.75)));
        WeightConstraintHook hook = new WeightConstraintHook(jsc.broadcast(masks));
        for (int step = 0; step < 3; step++) {
            fitWith(hook, graph, batch);
        }
        for (String layer : masks.layers()) {
            INDArray w = PrunableLayers.weights(graph).get(layer);
            INDArray pruned = masks.mask(layer).rsub(1);
            assertThat(w.mul(pruned).amaxNumber().doubleValue()).as(layer).isZero();
            assertThat(w.neq(0).castTo(DataType.INT64).sumNumber().longValue()).as(layer)
                    .isEqualTo(masks.kept(layer));
        }
        assertThat(masks.keptParameters()).isCloseTo(masks.totalParameters() / 4, within(masks.layers().size() + 0L));
    }
}
