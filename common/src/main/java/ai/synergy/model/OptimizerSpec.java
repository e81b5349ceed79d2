package ai.synergy.model;

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
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
    }
}
