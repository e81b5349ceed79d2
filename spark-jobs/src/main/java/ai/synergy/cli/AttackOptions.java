package ai.synergy.cli;

import ai.synergy.adversarial.Apgd;
import ai.synergy.adversarial.Attack;
import ai.synergy.adversarial.AutoAttackLite;
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
            default -> throw unknown(setting, kind, "none, pgd, fgsm");
        };
    }

    /**
     * The evaluation attack {@code kind} names: also APGD with each loss and AutoAttack-lite, with {@code budget}
     * iterations and {@code restarts}; null for none.
     */
    Attack evaluationAttack(String kind, String setting, int budget, int restarts) {
        return switch (kind) {
            case "none", "pgd", "fgsm" -> attack(kind, setting);
            case "apgd-ce" -> new Apgd(eps, budget, Apgd.Loss.CE, restarts);
            case "apgd-dlr" -> new Apgd(eps, budget, Apgd.Loss.DLR, restarts);
            case "apgd-dlr-targeted" -> new Apgd(eps, budget, Apgd.Loss.DLR_TARGETED, restarts);
            case "autoattack-lite" -> AutoAttackLite.of(eps, budget, restarts);
            default -> throw unknown(setting, kind,
                    "none, pgd, fgsm, apgd-ce, apgd-dlr, apgd-dlr-targeted, autoattack-lite");
        };
    }

    private static InvalidSettingException unknown(String setting, String kind, String accepted) {
        return new InvalidSettingException(setting, ": unknown attack '" + kind + "'; accepted: " + accepted);
    }
}
