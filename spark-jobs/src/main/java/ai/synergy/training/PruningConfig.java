package ai.synergy.training;

import ai.synergy.config.InvalidInputException;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;

/**
 * Weight pruning settings ({@code train --prune admm}; docs/methods.md section 2, Ye et al., arXiv:1903.12561). After
 * the run's dense epochs come {@code admmEpochs} of ADMM training (Z, U, rho updated on the driver every
 * {@code admmInterval} epochs, the proximal term on the executors every minibatch), then hard pruning and
 * {@code retrainEpochs} of masked retraining. Each stage runs the learning-rate schedule afresh over its own length.
 * With {@code admmEpochs = 0} it is plain magnitude pruning followed by retraining (the baseline ADMM improves on).
 *
 * @param scheme        irregular (exact top-k per layer), filter or column; null when pruning is off
 * @param ratios        fraction of weights removed, per layer; null when pruning is off
 * @param admm          rho0 and its growth
 * @param admmEpochs    epochs of ADMM training
 * @param admmInterval  epochs between ADMM updates of Z, U and rho
 * @param retrainEpochs epochs of masked retraining after hard pruning
 */
public record PruningConfig(PruningScheme scheme, PruningRatios ratios, AdmmConfig admm, int admmEpochs,
                            int admmInterval, int retrainEpochs) {

    public PruningConfig {
        if ((scheme == null) != (ratios == null)) {
            throw new IllegalArgumentException("pruning needs both a scheme and ratios, or neither");
        }
        if (admmEpochs < 0) {
            throw new InvalidInputException("--admm-epochs must be >= 0, got " + admmEpochs);
        }
        if (admmInterval < 1) {
            throw new InvalidInputException("--admm-interval must be >= 1, got " + admmInterval);
        }
        if (retrainEpochs < 0) {
            throw new InvalidInputException("--retrain-epochs must be >= 0, got " + retrainEpochs);
        }
        if (scheme != null && admm == null) {
            throw new IllegalArgumentException("ADMM settings must be set when pruning");
        }
        if (scheme != null && retrainEpochs < 1) {
            throw new InvalidInputException("--retrain-epochs must be >= 1 when pruning: hard pruning happens at "
                    + "the start of masked retraining");
        }
    }

    /** No pruning. */
    public static PruningConfig none() {
        return new PruningConfig(null, null, null, 0, 1, 0);
    }

    /** Whether the run prunes. */
    public boolean enabled() {
        return scheme != null;
    }
}
