package ai.synergy.cli;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.InvalidSettingException;
import picocli.CommandLine.Option;

/** Command-line options of an L-infinity attack, shared by adversarial training and robust evaluation. */
public final class AttackOptions {
    @Option(names = "--eps", defaultValue = "" + Pgd.DEFAULT_EPS,
            description = "Attack radius in [0, 1] pixel units, before normalisation (default: ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--step", defaultValue = "" + Pgd.DEFAULT_STEP_SIZE,
            description = "PGD step size (default: ${DEFAULT-VALUE}).")
    double step;

    @Option(names = "--steps", defaultValue = "" + Pgd.DEFAULT_STEPS,
            description = "PGD iterations; each costs a forward and backward pass (default: ${DEFAULT-VALUE}).")
    int steps;

    /** The attack {@code kind} (none, pgd, fgsm) names, or null for none; {@code setting} names the choosing one. */
    Pgd attack(String kind, String setting) {
        return switch (kind) {
            case "none" -> null;
            case "pgd" -> new Pgd(eps, step, steps, true);
            case "fgsm" -> Pgd.fgsm(eps);
            default -> throw new InvalidSettingException(setting, ": unknown attack '" + kind
                    + "'; accepted: none, pgd, fgsm");
        };
    }
}
