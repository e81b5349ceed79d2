package ai.synergy.dks;

import ai.synergy.config.Require;

import ai.synergy.nd4j.LayerHelpers;
import ai.synergy.model.AuxiliaryHeads;
import ai.synergy.model.ModelSpec;
import ai.synergy.model.OptimizerSpec;
import ai.synergy.model.ResNets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * How a training graph is supervised: the heads and the loss over them (DKS, Sun et al., CVPR 2019).
 *
 * @param mode          none, ds or dks
 * @param heads         where the auxiliary branches attach (ignored for {@code none})
 * @param synergyWeight weight of the synergy term (dks; the paper's 1). Larger pulls the heads' predictions together
 *                      harder, at the expense of each head's own cross-entropy
 * @param temperature   softmax temperature of the synergy term (dks; the paper's 1)
 */
public record SupervisionConfig(Supervision mode, AuxiliaryHeads heads, double synergyWeight, double temperature) {

    /** The paper's weight of the synergy term. */
    public static final double DEFAULT_SYNERGY_WEIGHT = 1;
    /** The paper's softmax temperature of the synergy term. */
    public static final double DEFAULT_TEMPERATURE = 1;

    public SupervisionConfig {
        if (mode == null) {
            throw new IllegalArgumentException("supervision mode must be set");
        }
        Require.nonNegative("synergyWeight", synergyWeight);
        Require.positive("synergyTemperature", temperature);
        if (mode != Supervision.NONE && heads.stages().isEmpty()) {
            throw new IllegalArgumentException(mode + " needs at least one auxiliary head stage");
        }
        if (mode == Supervision.NONE) {
            heads = AuxiliaryHeads.none();
        }
    }

    /** The baseline: one head, cross-entropy. */
    public static SupervisionConfig none() {
        return new SupervisionConfig(Supervision.NONE, AuxiliaryHeads.none(), DEFAULT_SYNERGY_WEIGHT,
                DEFAULT_TEMPERATURE);
    }

    /** Heads of the training graph (1 for none). */
    public int headCount() {
        return heads.headCount();
    }

    /** The training graph's configuration: the baseline ResNet, or it with auxiliary heads and the synergy loss. */
    public ComputationGraphConfiguration trainingConfiguration(ModelSpec spec, OptimizerSpec optimizer) {
        if (mode == Supervision.NONE) {
            return ResNets.configuration(spec, optimizer);
        }
        double weight = mode == Supervision.DKS ? synergyWeight : 0;
        return ResNets.trainingConfiguration(spec, optimizer, heads,
                new SynergyLoss(headCount(), spec.numClasses(), weight, temperature));
    }

    /** A freshly initialised training graph. */
    public ComputationGraph createTrainingGraph(ModelSpec spec, OptimizerSpec optimizer) {
        ComputationGraph graph = new ComputationGraph(trainingConfiguration(spec, optimizer));
        graph.init();
        LayerHelpers.install(graph);
        return graph;
    }
}
