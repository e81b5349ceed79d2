package ai.synergy.cli;

import ai.synergy.adversarial.Pgd;
import ai.synergy.training.AdversarialTraining;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Command-line options of the adversarial examples training makes: the attack's settings and the share of every
 * minibatch they replace. {@link AdversarialTrainingOptions} adds the choice of attack; {@code robust-compress}, whose
 * attack is always PGD, takes these alone.
 */
final class AdversarialExampleOptions {
    @Mixin
    AttackOptions attackOptions;

    @Option(names = "--adversarial-ratio", defaultValue = "" + AdversarialTraining.DEFAULT_RATIO,
            description = "Fraction of each minibatch replaced by adversarial examples (default: ${DEFAULT-VALUE}).")
    double adversarialRatio;

    /** The setting for {@code attackName} (none, pgd or fgsm): none, or the attack with its share of every minibatch. */
    AdversarialTraining settings(String attackName) {
        Pgd attack = attackOptions.attack(attackName, "adversarial");
        return attack == null ? AdversarialTraining.none() : new AdversarialTraining(attack, adversarialRatio);
    }
}
