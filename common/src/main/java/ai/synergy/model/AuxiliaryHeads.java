package ai.synergy.model;

import ai.synergy.config.Require;

import java.util.List;

/**
 * Where a deeply supervised training graph attaches auxiliary classifier branches: after which backbone stages
 * (1-based; CIFAR family stages 1-3, ImageNet family stages 1-4 = conv2_x..conv5_x). Empty = a plain network.
 *
 * @param stages stages whose outputs feed a branch, in increasing order, each below the last stage
 */
public record AuxiliaryHeads(List<Integer> stages) {

    public AuxiliaryHeads {
        stages = List.copyOf(stages);
        for (int i = 1; i < stages.size(); i++) {
            Require.that(stages.get(i) > stages.get(i - 1), "auxStages", "must increase, got " + stages);
        }
    }

    /** No auxiliary head. */
    public static AuxiliaryHeads none() {
        return new AuxiliaryHeads(List.of());
    }

    /**
     * The DKS paper's placement: CIFAR family after stages 1 and 2; ImageNet family after conv3_x and conv4_x
     * (stages 2 and 3).
     */
    public static AuxiliaryHeads paperDefault(ModelArchitecture architecture) {
        return architecture.family() == ModelArchitecture.Family.IMAGENET ? new AuxiliaryHeads(List.of(2, 3))
                : new AuxiliaryHeads(List.of(1, 2));
    }

    /** Checks that every head attaches after a stage of {@code architecture} other than its last. */
    public void requireStagesOf(ModelArchitecture architecture) {
        int lastStage = architecture.family() == ModelArchitecture.Family.IMAGENET ? 4 : 3;
        for (int stage : stages) {
            Require.that(stage >= 1 && stage < lastStage, "auxStages", "must be in 1.." + (lastStage - 1) + " for "
                    + architecture.canonicalName() + " (a head attaches after a stage before the last), got " + stage);
        }
    }

    /** Heads of the training graph: the main one plus one per branch. */
    public int headCount() {
        return 1 + stages.size();
    }
}
