package ai.synergy.model;

import ai.synergy.config.Require;

/**
 * SGD with momentum and weight decay, as used by every training recipe of the papers in docs/methods.md.
 *
 * @param learningRate initial learning rate; the driver overrides it before every averaging round from the schedule
 * @param momentum     Nesterov momentum coefficient (0.9 in the ResNet recipes; DL4J's only momentum SGD is {@code Nesterovs});
 *                     0 means plain SGD
 * @param weightDecay  L2 coefficient added to conv and dense weight gradients (PyTorch's SGD weight_decay); 0 disables
 */
public record OptimizerSpec(double learningRate, double momentum, double weightDecay) {
    public OptimizerSpec {
        Require.positive("learningRate", learningRate);
        Require.inHalfOpen("momentum", momentum, 0, 1);
        Require.nonNegative("weightDecay", weightDecay);
    }
}
