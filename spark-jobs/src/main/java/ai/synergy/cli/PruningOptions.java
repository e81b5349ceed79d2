package ai.synergy.cli;

import ai.synergy.config.InvalidInputException;
import ai.synergy.config.Require;
import ai.synergy.pruning.AdmmConfig;
import ai.synergy.pruning.PruningRatios;
import ai.synergy.pruning.PruningScheme;
import ai.synergy.training.PruningConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/** Command-line options of weight pruning ({@code train --prune admm}), resolved into a {@link PruningConfig}. */
public final class PruningOptions {
    @Option(names = "--prune", defaultValue = "none",
            description = "none or admm: after the dense --epochs, ADMM training (--admm-epochs), hard pruning and "
                    + "masked retraining (--retrain-epochs); with --admm-epochs 0 it is one-shot magnitude pruning "
                    + "(default: ${DEFAULT-VALUE}).")
    String prune;

    @Option(names = "--ratio",
            description = "Fraction of the weights removed from every conv/dense layer, in (0, 1), e.g. 0.9.")
    Double ratio;

    @Option(names = "--prune-ratios", paramLabel = "FILE",
            description = "Per-layer ratios: '<layer> <ratio>' lines, '* <ratio>' for the rest (instead of --ratio).")
    String ratiosFile;

    @Option(names = "--prune-scheme", defaultValue = PruningConfig.DEFAULT_SCHEME,
            description = "irregular (any weight, exact top-k), filter (whole output filters) or column "
                    + "(default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--admm-epochs", defaultValue = "" + PruningConfig.DEFAULT_ADMM_EPOCHS, description = "Epochs of ADMM training (default: ${DEFAULT-VALUE}).")
    int admmEpochs;

    @Option(names = "--admm-interval", defaultValue = "" + PruningConfig.DEFAULT_ADMM_INTERVAL,
            description = "Epochs between the driver's ADMM updates of Z, U and rho (default: ${DEFAULT-VALUE}).")
    int admmInterval;

    @Option(names = "--retrain-epochs", defaultValue = "" + PruningConfig.DEFAULT_RETRAIN_EPOCHS,
            description = "Epochs of masked retraining after hard pruning (default: ${DEFAULT-VALUE}).")
    int retrainEpochs;

    @Option(names = "--admm-rho", defaultValue = "" + AdmmConfig.DEFAULT_INITIAL_RHO, description = "Initial ADMM penalty rho (default: ${DEFAULT-VALUE}).")
    double rho;

    @Option(names = "--admm-rho-growth", defaultValue = "" + AdmmConfig.DEFAULT_RHO_GROWTH,
            description = "Factor on rho at every ADMM update (default: ${DEFAULT-VALUE}).")
    double rhoGrowth;

    /** The pruning the flags describe. */
    PruningConfig config() {
        switch (prune) {
            case "none" -> {
                if (ratio != null || ratiosFile != null) {
                    throw new InvalidInputException("--ratio/--prune-ratios need --prune admm");
                }
                return PruningConfig.none();
            }
            case "admm" -> {
                return PruningConfig.admm(ratios()).withScheme(scheme()).withAdmm(new AdmmConfig(rho, rhoGrowth))
                        .withEpochs(admmEpochs, admmInterval, retrainEpochs);
            }
            default -> throw new InvalidInputException("--prune: unknown method '" + prune + "'; accepted: none, admm");
        }
    }

    private PruningRatios ratios() {
        if ((ratio == null) == (ratiosFile == null)) {
            throw new InvalidInputException("--prune admm needs exactly one of --ratio and --prune-ratios");
        }
        if (ratio != null) {
            Require.that(ratio > 0 && ratio < 1, "ratio", "must be in (0, 1), got " + ratio);
            return PruningRatios.uniform(ratio);
        }
        return PruningRatios.fromFlag("--prune-ratios", ratiosFile);
    }

    private PruningScheme scheme() {
        try {
            return PruningScheme.valueOf(scheme.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--prune-scheme: unknown scheme '" + scheme
                    + "'; accepted: irregular, filter, column");
        }
    }
}
