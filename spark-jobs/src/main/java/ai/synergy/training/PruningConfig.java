package ai.synergy.training;

import ai.synergy.config.Require;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;

import java.util.Locale;

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
        Require.atLeast("admmEpochs", admmEpochs, 0);
        Require.atLeast("admmInterval", admmInterval, 1);
        Require.atLeast("retrainEpochs", retrainEpochs, 0);
        if (scheme != null && admm == null) {
            throw new IllegalArgumentException("ADMM settings must be set when pruning");
        }
        Require.that(scheme == null || retrainEpochs >= 1, "retrainEpochs", "must be >= 1 when pruning: hard pruning "
                + "happens at the start of masked retraining");
    }

    /** Epochs of ADMM training. */
    public static final int DEFAULT_ADMM_EPOCHS = 10;
    /** Epochs between ADMM updates. */
    public static final int DEFAULT_ADMM_INTERVAL = 2;
    /** Epochs of masked retraining. */
    public static final int DEFAULT_RETRAIN_EPOCHS = 10;
    /** The pruning scheme. */
    public static final String DEFAULT_SCHEME = "irregular";

    /**
     * ADMM pruning of {@code ratios} with every other setting at its default: irregular scheme, the paper's rho0 and
     * growth, {@value #DEFAULT_ADMM_EPOCHS} ADMM epochs updating every {@value #DEFAULT_ADMM_INTERVAL}, then
     * {@value #DEFAULT_RETRAIN_EPOCHS} epochs of masked retraining.
     */
    public static PruningConfig admm(PruningRatios ratios) {
        return new PruningConfig(PruningScheme.valueOf(DEFAULT_SCHEME.toUpperCase(Locale.ROOT)), ratios,
                AdmmConfig.defaults(), DEFAULT_ADMM_EPOCHS, DEFAULT_ADMM_INTERVAL, DEFAULT_RETRAIN_EPOCHS);
    }

    /** The same pruning with another scheme. */
    public PruningConfig withScheme(PruningScheme value) {
        return new PruningConfig(value, ratios, admm, admmEpochs, admmInterval, retrainEpochs);
    }

    /** The same pruning with other ADMM penalty settings. */
    public PruningConfig withAdmm(AdmmConfig value) {
        return new PruningConfig(scheme, ratios, value, admmEpochs, admmInterval, retrainEpochs);
    }

    /** The same pruning with other stage lengths: ADMM epochs, epochs between ADMM updates, retraining epochs. */
    public PruningConfig withEpochs(int admmEpochsValue, int admmIntervalValue, int retrainEpochsValue) {
        return new PruningConfig(scheme, ratios, admm, admmEpochsValue, admmIntervalValue, retrainEpochsValue);
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
