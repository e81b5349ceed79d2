package ai.synergy.cli;

import ai.synergy.adversarial.Pgd;
import ai.synergy.config.InvalidInputException;
import picocli.CommandLine.Option;

/** Command-line options of an L-infinity attack, shared by adversarial training and robust evaluation. */
public final class AttackOptions {
    @Option(names = "--eps", defaultValue = "0.1",
            description = "Attack radius in [0, 1] pixel units, before normalisation (default: ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--step", defaultValue = "0.01", description = "PGD step size (default: ${DEFAULT-VALUE}).")
    double step;

    @Option(names = "--steps", defaultValue = "10",
            description = "PGD iterations; each costs a forward and backward pass (default: ${DEFAULT-VALUE}).")
    int steps;

    /** The attack {@code kind} (none, pgd, fgsm) names, or null for none; {@code flag} names the choosing flag. */
    Pgd attack(String kind, String flag) {
        try {
            return switch (kind) {
                case "none" -> null;
                case "pgd" -> new Pgd(eps, step, steps, true);
                case "fgsm" -> Pgd.fgsm(eps);
                default -> throw new InvalidInputException(flag + ": unknown attack '" + kind
                        + "'; accepted: none, pgd, fgsm");
            };
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--eps/--step/--steps: " + e.getMessage(), e);
        }
    }
}
